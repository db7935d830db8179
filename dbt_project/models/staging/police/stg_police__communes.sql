with

source as (

    select * from {{ source('police', 'police__communes') }}

),

-- Each load interval holds the whole registry: the latest interval is the registry.
latest_snapshot as (

    select *
    from source
    where _interval_start = (select max(_interval_start) from source)

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by "MaXa", "Nam" order by _loaded_at desc, _batch_id desc
        ) as row_rank
    from latest_snapshot

),

renamed as (

    select
        trim("MaXa") as commune_code,
        "TenXa" as commune_name,
        trim("MaHuyen") as district_code,
        "TenHuyen" as district_name,
        "Nam"::int as year_number,
        "DanSoDuTuoiCCCD"::bigint as cccd_age_population,
        "ChiTieuVNeID"::bigint as vneid_target,
        nullif(trim("DanSoNhom1"), '')::bigint as priority_group_1_population,
        nullif(trim("DanSoNhom2"), '')::bigint as priority_group_2_population,
        "LuyKeHoSoCCCDDauNam"::bigint as opening_cccd_applications,
        "LuyKeTheNhanDauNam"::bigint as opening_cards_received,
        "LuyKeTheTraDauNam"::bigint as opening_cards_returned,
        _interval_start as snapshot_interval_start,
        _loaded_at as loaded_at

    from deduplicated
    where row_rank = 1

)

select * from renamed
