with

source as (

    select * from {{ source('health', 'health__facilities') }}

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
        row_number() over (partition by "MaCSKCB" order by _loaded_at desc, _batch_id desc) as row_rank
    from latest_snapshot

),

renamed as (

    select
        "MaCSKCB" as facility_code,
        "TenCSKCB" as facility_name,
        "LoaiCSKCB" as facility_type_code,
        case "LoaiCSKCB"
            when 'BVT' then 'provincial_hospital'
            when 'TTYT' then 'district_health_centre'
            when 'TYT' then 'commune_health_station'
            when 'KHAC' then 'other_unit'
        end as facility_type,
        "TrucThuocSo" = '1' as is_under_department,
        nullif(trim("MaDonViCha"), '') as parent_facility_code,
        nullif(trim("MaTinh"), '') as province_code,
        nullif(trim("MaHuyen"), '') as district_code,
        nullif(trim("MaXa"), '') as commune_code,
        coalesce("NangLuc", '[]'::jsonb) as capabilities,
        to_date(nullif(trim("NgayHoatDong"), ''), 'YYYYMMDD') as opened_on,
        -- where the facility lies over time; a snapshot without the list: its own codes, always
        case
            when jsonb_typeof("LichSuDiaBan") = 'array' and jsonb_array_length("LichSuDiaBan") > 0
                then "LichSuDiaBan"
            else jsonb_build_array(jsonb_build_object(
                'MaTinh', "MaTinh", 'MaHuyen', "MaHuyen", 'MaXa', "MaXa",
                'TuNgay', null, 'DenNgay', null
            ))
        end as locations,
        _interval_start as snapshot_interval_start,
        _loaded_at as loaded_at

    from deduplicated
    where row_rank = 1

)

select * from renamed
