with

source as (

    select *, 'police' as _source_instance from {{ source('police', 'police__cameras') }}
    {#- the police's other systems (the former Bac Ninh's, before the merger): sources file #}
    {{ other_instances('police', 'cameras') }}

),

-- Each load interval holds the whole registry: each system's latest interval is its registry
-- (a retired system's last one stays, as of its last day).
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
            -- an id two systems list: the registered system's row first
            partition by "MaCamera"
            order by _source_instance <> 'police', _source_instance, _loaded_at desc, _batch_id desc
        ) as row_rank
    from latest_snapshot

),

renamed as (

    select
        trim("MaCamera") as camera_id,
        trim("MaXa") as commune_code,
        trim("MaHuyen") as district_code,
        "LoaiCamera" as camera_type_code,
        case "LoaiCamera"
            when '1' then 'traffic'
            when '2' then 'security'
        end as camera_type,
        to_date(nullif(trim("NgayKetNoi"), ''), 'YYYYMMDD') as connected_date,
        "KetNoiTrungTamHuyen" = '1' as is_connected_to_district_centre,
        -- the registry is as of its load day: a camera is known connected up to that day
        (_interval_end at time zone 'Asia/Ho_Chi_Minh')::date - 1 as snapshot_date,
        _loaded_at as loaded_at

    from deduplicated
    where row_rank = 1

)

select * from renamed
