with

source as (

    select *, 'portal' as _source_instance from {{ source('portal', 'portal__procedures') }}
    {#- the portal's other systems (the former Bac Ninh's, before the merger): sources file #}
    {{ other_instances('portal', 'procedures') }}

),

-- Each load interval holds a whole catalogue: the latest interval is the catalogue.
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
            partition by "MaTTHC"
            order by _source_instance <> 'portal', _source_instance, _loaded_at desc, _batch_id desc
        ) as row_rank
    from latest_snapshot

),

renamed as (

    select
        ----------  ids
        "MaTTHC" as procedure_code,
        "TenTTHC" as procedure_name,
        "MaLinhVuc" as field_code,
        "TenLinhVuc" as field_name,
        "MaCoQuanThucHien" as competent_agency_code,

        ----------  codes
        "CapThucHien" as authority_level_code,
        case "CapThucHien"
            when '1' then 'province'
            when '2' then 'district'
            when '3' then 'commune'
        end as authority_level,
        "MucDoDVC" as online_level_code,
        case "MucDoDVC"
            when '4' then 'fully_online'
            when '3' then 'partly_online'
            when '2' then 'not_online'
        end as online_level,

        ----------  flags
        coalesce("MucDoDVC" in ('3', '4'), false) as is_online_service,
        coalesce("MucDoDVC" = '4', false) as is_fully_online,
        {{ portal_flag('"CoNghiaVuTaiChinh"') }} as has_financial_obligation,
        {{ portal_flag('"TichHopThanhToanTrucTuyen"') }} as has_online_payment_integrated,
        {{ portal_flag('"CoGiayToKetQua"') }} as has_result_document,
        {{ portal_flag('"YeuCauKetQuaGiay"') }} as requires_paper_result,
        {{ portal_flag('"DVCThietYeu"') }} as is_essential_service,
        {{ portal_flag('"TichHopCongDVCQG"') }} as is_integrated_national_portal,

        ----------  legal processing time
        case
            when trim("ThoiGianGiaiQuyet") ~ '^[0-9]+([.,][0-9]+)?$'
                then replace(trim("ThoiGianGiaiQuyet"), ',', '.')::numeric
        end as legal_processing_time,
        case "DonViThoiGian"
            when 'gio' then 'hours'
            when 'ngay' then 'days'
            when 'ngay_lam_viec' then 'working_days'
        end as legal_processing_time_unit,

        ----------  validity: [valid_from, valid_to)
        {{ portal_date('"NgayCoHieuLuc"') }} as valid_from,
        {{ portal_date('"NgayHetHieuLuc"') }} as valid_to,

        ----------  load metadata
        _interval_start as snapshot_interval_start,
        _loaded_at as loaded_at

    from deduplicated
    where row_rank = 1

)

select * from renamed
