with

units as (

    select * from {{ ref('stg_ref__admin_units') }}

),

provinces as (

    select * from units where unit_level = 'province'

),

districts as (

    select * from units where unit_level = 'district'

),

communes as (

    select * from units where unit_level = 'commune'

),

hierarchy as (

    select
        unit_code,
        unit_level,
        unit_code as province_code,
        null::text as district_code,
        null::text as commune_code
    from provinces

    union all

    select
        unit_code,
        unit_level,
        parent_code as province_code,
        unit_code as district_code,
        null::text as commune_code
    from districts

    union all

    select
        communes.unit_code,
        communes.unit_level,
        districts.parent_code as province_code,
        communes.parent_code as district_code,
        communes.unit_code as commune_code
    from communes
    left join districts
        on communes.parent_code = districts.unit_code

),

final as (

    select
        units.unit_code,
        units.unit_name,
        units.unit_name_with_type,
        units.unit_type,
        units.unit_level,
        units.parent_code,
        hierarchy.province_code,
        provinces.unit_name_with_type as province_name,
        hierarchy.district_code,
        districts.unit_name_with_type as district_name,
        hierarchy.commune_code,
        case when units.unit_level = 'commune' then units.unit_name_with_type end as commune_name,
        units.path_with_type

    from units
    inner join hierarchy
        on units.unit_code = hierarchy.unit_code
    left join provinces
        on hierarchy.province_code = provinces.unit_code
    left join districts
        on hierarchy.district_code = districts.unit_code

)

select * from final
