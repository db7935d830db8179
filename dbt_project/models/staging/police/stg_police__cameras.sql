with

source as (

    select * from {{ source('police', 'police__cameras') }}

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
        row_number() over (partition by "MaCamera" order by _loaded_at desc, _batch_id desc) as row_rank
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
