with

source as (

    select *, 'portal' as _source_instance from {{ source('portal', 'portal__agencies') }}
    {#- the portal's other systems (the former Bac Ninh's, before the merger): sources file #}
    {{ other_instances('portal', 'agencies') }}

),

-- Each load interval holds the whole list: the latest interval is the list.
latest_snapshot as (

    select *
    from source
    -- each system's latest list (a retired system's last one stays)
    where (_source_instance, _interval_start) in (
        select _source_instance, max(_interval_start) from source group by _source_instance
    )

),

deduplicated as (

    select
        *,
        row_number() over (
            -- a code two systems list: the registered system's row first
            partition by "MaDonVi"
            order by _source_instance <> 'portal', _source_instance, _loaded_at desc, _batch_id desc
        ) as row_rank
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
