with

registry as (

    select * from {{ ref('stg_education__school_registry') }}

),

-- A new version starts in a month whose attributes differ from the school's previous month.
changes as (

    select
        *,
        case
            when lag(registry_month) over by_school is null then 1
            when (school_name, school_level, ownership, district_code, commune_code)
                is distinct from (
                    lag(school_name) over by_school,
                    lag(school_level) over by_school,
                    lag(ownership) over by_school,
                    lag(district_code) over by_school,
                    lag(commune_code) over by_school
                )
                then 1
            else 0
        end as is_new_version
    from registry
    window by_school as (partition by school_code order by registry_month)

),

numbered as (

    select
        *,
        sum(is_new_version) over (
            partition by school_code order by registry_month rows unbounded preceding
        ) as version_number
    from changes

),

versions as (

    select
        school_code,
        version_number,
        min(registry_month) as valid_from,
        max(registry_month) as last_listed_month,
        -- the attributes are constant within a version; take the latest row's
        (array_agg(school_name order by registry_month desc))[1] as school_name,
        (array_agg(school_level order by registry_month desc))[1] as school_level,
        (array_agg(school_level_vi order by registry_month desc))[1] as school_level_vi,
        (array_agg(ownership order by registry_month desc))[1] as ownership,
        (array_agg(district_code order by registry_month desc))[1] as district_code,
        (array_agg(commune_code order by registry_month desc))[1] as commune_code
    from numbered
    group by 1, 2

),

final as (

    select
        md5(versions.school_code || '|' || versions.valid_from::text) as school_key,
        versions.school_code,
        versions.version_number::integer as version_number,
        versions.school_name,
        versions.school_level,
        versions.school_level_vi,
        versions.school_level <> 'preschool' as is_e_record_level,
        versions.ownership,
        units.province_code,
        versions.district_code,
        versions.commune_code,
        units.district_name,
        units.commune_name,
        versions.valid_from,
        lead(versions.valid_from) over (
            partition by versions.school_code order by versions.valid_from
        ) as valid_to,
        lead(versions.valid_from) over (
            partition by versions.school_code order by versions.valid_from
        ) is null as is_current,
        versions.last_listed_month

    from versions
    left join {{ ref('dim_administrative_unit') }} as units
        on versions.commune_code = units.unit_code
        and {{ unit_valid_on('units', 'versions.valid_from') }}

)

select * from final
