with

source as (

    select *, 'education' as _source_instance
    from {{ source('education', 'education__school_registry') }}
    {#- the former Bac Ninh's own system before the merger, and any other: sources file #}
    {{ other_instances('education', 'school_registry') }}

),

-- One registry per month: a school listed twice for one month keeps its latest load.
deduplicated as (

    select
        *,
        (_interval_start at time zone 'Asia/Ho_Chi_Minh')::date as month_start,
        row_number() over (
            partition by "MaTruong", _interval_start
            order by _loaded_at desc, _batch_id desc
        ) as row_rank
    from source

),

renamed as (

    select
        trim("MaTruong") as school_code,
        month_start as registry_month,
        nullif(trim("TenTruong"), '') as school_name,
        nullif(trim("CapHoc"), '') as school_level_vi,
        {{ education_level_code('"CapHoc"') }} as school_level,
        case trim("LoaiHinh")
            when 'Công lập' then 'public'
            when 'Tư thục' then 'private'
            when 'Dân lập' then 'private'
        end as ownership,
        nullif(trim("MaHuyen"), '') as district_code,
        nullif(trim("MaXa"), '') as commune_code,
        nullif(trim("XaPhuong"), '') as commune_name,
        _loaded_at as loaded_at

    from deduplicated
    where row_rank = 1

)

select * from renamed
