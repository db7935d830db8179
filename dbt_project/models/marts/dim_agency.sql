with

agencies as (

    select * from {{ ref('stg_portal__agencies') }}

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
    left join units as districts
        on agency_areas.area_district_code = districts.unit_code
    left join units as communes
        on agency_areas.area_commune_code = communes.unit_code

)

select * from final
