with

source as (

    select * from {{ source('portal', 'portal__agencies') }}

),

-- Each load interval holds the whole list: the latest interval is the list.
latest_snapshot as (

    select *
    from source
    where _interval_start = (select max(_interval_start) from source)

),

deduplicated as (

    select
        *,
        row_number() over (partition by "MaDonVi" order by _loaded_at desc, _batch_id desc) as row_rank
    from latest_snapshot

),

renamed as (

    select
        "MaDonVi" as agency_code,
        "TenDonVi" as agency_name,
        "CapDonVi" as agency_level_code,
        case "CapDonVi"
            when '1' then 'province'
            when '2' then 'district'
            when '3' then 'commune'
        end as agency_level,
        nullif(trim("MaDonViCha"), '') as parent_agency_code,
        nullif(trim("MaTinh"), '') as province_code,
        nullif(trim("MaHuyen"), '') as district_code,
        nullif(trim("MaXa"), '') as commune_code,
        _interval_start as snapshot_interval_start,
        _loaded_at as loaded_at

    from deduplicated
    where row_rank = 1

)

select * from renamed
