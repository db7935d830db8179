with

source as (

    select *, 'police' as _source_instance from {{ source('police', 'police__cases') }}
    {#- the police's other systems (the former Bac Ninh's, before the merger): sources file #}
    {{ other_instances('police', 'cases') }}

),

-- A restated month is a new version of (district, month): the highest revision replaces it.
ranked_versions as (

    select
        *,
        row_number() over (
            partition by "MaHuyen", "Thang"
            order by "LanSua"::int desc, "NgayCapNhat" desc, _loaded_at desc, _batch_id desc
        ) as version_rank,
        count(*) over (partition by "MaHuyen", "Thang") as version_count

    from source

),

renamed as (

    select
        trim("MaHuyen") as district_code,
        to_date("Thang" || '01', 'YYYYMMDD') as month_start,
        (to_date("Thang" || '01', 'YYYYMMDD') + interval '1 month - 1 day')::date as month_end,
        "LanSua"::int as revision,
        version_count::int as versions_loaded,
        to_timestamp("NgayCapNhat", 'YYYYMMDDHH24MISS')::timestamp as updated_at,
        "SoVuHinhSu"::bigint as criminal_cases,
        "SoVuTaiNanGiaoThong"::bigint as traffic_accident_cases,
        "SoVuKhac"::bigint as other_cases,
        _loaded_at as loaded_at

    from ranked_versions
    where version_rank = 1

)

select * from renamed
