with

source as (

    select *, 'health' as _source_instance from {{ source('health', 'health__facilities') }}
    {#- the sector's other systems (the former Bac Ninh's, before the merger): sources file #}
    {{ other_instances('health', 'facilities') }}

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

-- Where a facility lies over time in each system that lists it, one element per location: a
-- record without the list has one location, its own codes, for every day.
system_locations as (

    select
        "MaCSKCB",
        _source_instance,
        _loaded_at,
        _batch_id,
        location
    from latest_snapshot
    cross join lateral jsonb_array_elements(
        case
            when jsonb_typeof("LichSuDiaBan") = 'array' and jsonb_array_length("LichSuDiaBan") > 0
                then "LichSuDiaBan"
            else jsonb_build_array(jsonb_build_object(
                'MaTinh', "MaTinh", 'MaHuyen', "MaHuyen", 'MaXa', "MaXa",
                'TuNgay', null, 'DenNgay', null
            ))
        end
    ) as locations (location)

),

-- A facility two systems list (the former Bac Ninh's units: in its own system until the merger,
-- in the new province's from 2025-07-01): its locations of every system in the order of their
-- first day, a location still open when a later one starts ended by it.
merged_locations as (

    select
        "MaCSKCB",
        jsonb_agg(
            case
                when nullif(location ->> 'DenNgay', '') is null and next_from is not null
                    then jsonb_set(location, '{DenNgay}', to_jsonb(next_from))
                else location
            end
            order by nullif(location ->> 'TuNgay', '') nulls first, _source_instance
        ) as locations
    from (
        select
            *,
            lead(nullif(location ->> 'TuNgay', '')) over (
                partition by "MaCSKCB"
                order by nullif(location ->> 'TuNgay', '') nulls first, _source_instance
            ) as next_from
        from system_locations
    ) as ordered
    group by "MaCSKCB"

),

-- The facility's attributes: the registered system's row first, else the latest; it opened when
-- its first system has it open (null: since the records begin, in any system).
deduplicated as (

    select
        *,
        row_number() over (
            partition by "MaCSKCB"
            order by _source_instance <> 'health', _loaded_at desc, _batch_id desc
        ) as row_rank,
        bool_or(nullif(trim("NgayHoatDong"), '') is null) over (partition by "MaCSKCB")
            as open_since_records_begin,
        min(nullif(trim("NgayHoatDong"), '')) over (partition by "MaCSKCB") as first_opened
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
        case
            when not open_since_records_begin then to_date(first_opened, 'YYYYMMDD')
        end as opened_on,
        -- where the facility lies over time, in every system that lists it
        merged_locations.locations,
        _interval_start as snapshot_interval_start,
        _loaded_at as loaded_at

    from deduplicated
    inner join merged_locations using ("MaCSKCB")
    where row_rank = 1

)

select * from renamed
