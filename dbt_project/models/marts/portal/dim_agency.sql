with

-- the units are the versions valid on the day of the registry snapshot (codes are reused)
agencies as (

    select
        *,
        (snapshot_interval_start at time zone 'Asia/Ho_Chi_Minh')::date as snapshot_date
    from {{ ref('stg_portal__agencies') }}

),

units as (

    select * from {{ ref('dim_administrative_unit') }}

),

-- The agency's own codes come first; a commune agency without a district code takes its
-- commune's parent district.
agency_areas as (

    select
        agencies.*,
        case when agencies.agency_level in ('district', 'commune')
            then coalesce(agencies.district_code, communes.district_code)
        end as area_district_code,
        case when agencies.agency_level = 'commune' then agencies.commune_code end as area_commune_code

    from agencies
    left join units as communes
        on agencies.commune_code = communes.unit_code
        and communes.unit_level = 'commune'
        and {{ unit_valid_on('communes', 'agencies.snapshot_date') }}

),

final as (

    select
        agency_areas.agency_code,
        agency_areas.agency_name,
        agency_areas.agency_level_code,
        agency_areas.agency_level,
        agency_areas.parent_agency_code,
        coalesce(agency_areas.province_code, '{{ var("dti_province_code") }}') as province_code,
        provinces.unit_name_with_type as province_name,
        agency_areas.area_district_code as district_code,
        districts.unit_name_with_type as district_name,
        agency_areas.area_commune_code as commune_code,
        communes.unit_name_with_type as commune_name,
        coalesce(
            agency_areas.area_commune_code,
            agency_areas.area_district_code,
            coalesce(agency_areas.province_code, '{{ var("dti_province_code") }}')
        ) as area_code

    from agency_areas
    left join units as provinces
        on coalesce(agency_areas.province_code, '{{ var("dti_province_code") }}') = provinces.unit_code
        and {{ unit_valid_on('provinces', 'agency_areas.snapshot_date') }}
    left join units as districts
        on agency_areas.area_district_code = districts.unit_code
        and {{ unit_valid_on('districts', 'agency_areas.snapshot_date') }}
    left join units as communes
        on agency_areas.area_commune_code = communes.unit_code
        and {{ unit_valid_on('communes', 'agency_areas.snapshot_date') }}

)

select * from final
