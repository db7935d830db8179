with

source as (

    select *, 'police' as _source_instance from {{ source('police', 'police__communes') }}
    {#- the police's other systems (the former Bac Ninh's, before the merger): sources file #}
    {{ other_instances('police', 'communes') }}

),

-- Each load interval holds the whole registry: each system's latest interval is its registry
-- (a retired system's last one stays).
latest_snapshot as (

    select *
    from source
    where (_source_instance, _interval_start) in (
        select _source_instance, max(_interval_start) from source group by _source_instance
    )

),

deduplicated as (

    select
        *,
        row_number() over (
            -- a row two systems list: the registered system's first
            partition by "MaXa", "Nam", "NgayHieuLuc"
            order by _source_instance <> 'police', _source_instance, _loaded_at desc, _batch_id desc
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
        -- the day the row starts to hold: 1 January, or the day a reorganisation created the
        -- unit (2024-11-01, 2025-07-01; a reused code then has two rows in the year)
        coalesce(
            to_date(nullif(trim("NgayHieuLuc"), ''), 'YYYYMMDD'), make_date("Nam"::int, 1, 1)
        ) as valid_from,
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

),

-- until the next row of the code in the year, or the year's end
with_validity as (

    select
        *,
        coalesce(
            lead(valid_from) over (partition by commune_code, year_number order by valid_from),
            make_date(year_number + 1, 1, 1)
        ) as valid_to
    from renamed

)

select * from with_validity
