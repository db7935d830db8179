with

source as (

    select * from {{ source('ref', 'ref__admin_units') }}

),

-- A unit version is kept at its latest load; versions are never dropped by a partial reload.
latest_version as (

    select
        *,
        row_number() over (
            partition by code, valid_from
            order by _interval_start desc, _loaded_at desc, _batch_id desc
        ) as version_rank
    from source

),

renamed as (

    select
        code as unit_code,
        valid_from::date as valid_from,
        valid_to::date as valid_to,
        name as unit_name,
        name_with_type as unit_name_with_type,
        type as unit_type,
        level as unit_level,
        nullif(trim(parent_code), '') as parent_code,
        path_with_type,
        area_km2::numeric as area_km2,
        source as source_package,
        _loaded_at as loaded_at

    from latest_version
    where version_rank = 1

)

select * from renamed
