{#- One row per version of an administrative unit, identified by (unit_code, valid_from): GSO
    codes are reused (24 was Bắc Giang until 2025-06-30 and is Bắc Ninh from 2025-07-01), so a
    code alone names a unit only together with a date. Each version carries its parents as they
    were on its first day: province > district > commune before 2025-07-01, province > commune
    after (the district tier was abolished). -#}
with

units as (

    select * from {{ ref('stg_ref__admin_units') }}

),

-- the parent version valid on the child's first day
with_parent as (

    select
        units.*,
        parents.valid_from as parent_valid_from,
        parents.unit_level as parent_level,
        parents.parent_code as grandparent_code
    from units
    left join units as parents
        on units.parent_code = parents.unit_code
        and parents.valid_from <= units.valid_from
        and (parents.valid_to is null or units.valid_from < parents.valid_to)

),

hierarchy as (

    select
        *,
        case unit_level
            when 'province' then unit_code
            when 'district' then parent_code
            else case parent_level when 'province' then parent_code else grandparent_code end
        end as province_code,
        case unit_level
            when 'district' then unit_code
            when 'commune' then case when parent_level = 'district' then parent_code end
        end as district_code,
        case when unit_level = 'commune' then unit_code end as commune_code
    from with_parent

),

final as (

    select
        hierarchy.unit_code || '@' || hierarchy.valid_from::text as unit_key,
        hierarchy.unit_code,
        hierarchy.valid_from,
        hierarchy.valid_to,
        hierarchy.valid_to is null as is_current,
        hierarchy.unit_name,
        hierarchy.unit_name_with_type,
        hierarchy.unit_type,
        hierarchy.unit_level,
        hierarchy.parent_code,
        hierarchy.province_code,
        provinces.unit_name_with_type as province_name,
        hierarchy.district_code,
        districts.unit_name_with_type as district_name,
        hierarchy.commune_code,
        case when hierarchy.unit_level = 'commune' then hierarchy.unit_name_with_type end
            as commune_name,
        hierarchy.path_with_type,
        hierarchy.area_km2,
        hierarchy.source_package

    from hierarchy
    left join units as provinces
        on hierarchy.province_code = provinces.unit_code
        and provinces.valid_from <= hierarchy.valid_from
        and (provinces.valid_to is null or hierarchy.valid_from < provinces.valid_to)
    left join units as districts
        on hierarchy.district_code = districts.unit_code
        and districts.valid_from <= hierarchy.valid_from
        and (districts.valid_to is null or hierarchy.valid_from < districts.valid_to)

)

select * from final
