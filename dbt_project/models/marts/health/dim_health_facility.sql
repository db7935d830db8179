with

facilities as (

    select * from {{ ref('stg_health__facilities') }}

),

final as (

    select
        facility_code,
        facility_name,
        facility_type_code,
        facility_type,
        is_under_department,
        parent_facility_code,
        province_code,
        district_code,
        commune_code,
        opened_on,
        -- commune level and up, below the hub hospitals: the remote-consultation network's spokes
        facility_type = 'commune_health_station' as is_telehealth_spoke,
        facility_type in ('provincial_hospital', 'district_health_centre') as is_hospital

    from facilities

)

select * from final
