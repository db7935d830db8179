with

source as (

    select *, 'police' as _source_instance from {{ source('police', 'police__daily') }}
    {#- the police's other systems (the former Bac Ninh's, before the merger): sources file #}
    {{ other_instances('police', 'daily') }}

),

-- A restated day is a new version of (commune, day): the highest revision replaces the others,
-- so a restatement replaces the figure and never adds to it.
ranked_versions as (

    select
        *,
        row_number() over (
            partition by "MaXa", "Ngay"
            order by "LanSua"::int desc, "NgayCapNhat" desc, _loaded_at desc, _batch_id desc
        ) as version_rank,
        count(*) over (partition by "MaXa", "Ngay") as version_count

    from source

),

renamed as (

    select
        trim("MaXa") as commune_code,
        trim("MaHuyen") as district_code,
        to_date("Ngay", 'YYYYMMDD') as report_date,
        "LanSua"::int as revision,
        version_count::int as versions_loaded,
        to_timestamp("NgayCapNhat", 'YYYYMMDDHH24MISS')::timestamp as updated_at,
        "SoHoSoCCCD"::bigint as cccd_applications,
        "SoHoSoCCCDNhom1"::bigint as cccd_applications_priority_1,
        "SoHoSoCCCDNhom2"::bigint as cccd_applications_priority_2,
        "SoTheNhanTuBo"::bigint as cards_received,
        "SoTheDaTra"::bigint as cards_returned,
        "SoHoSoVNeIDMuc1"::bigint as vneid_level_1_applications,
        "SoHoSoVNeIDMuc2"::bigint as vneid_level_2_applications,
        "SoTaiKhoanKichHoat"::bigint as vneid_activations,
        "LuyKeHoSoCCCD"::bigint as source_cumulative_cccd_applications,
        "LuyKeTheNhan"::bigint as source_cumulative_cards_received,
        "LuyKeTheTra"::bigint as source_cumulative_cards_returned,
        _batch_id as batch_id,
        _loaded_at as loaded_at

    from ranked_versions
    where version_rank = 1

)

select * from renamed
