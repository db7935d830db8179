{#- The largest staging model, kept as a table: every dossier version of the raw table (800,000
    rows in the demo half-year) is ranked and its jsonb lists summarised (about 20 s); as a view
    it was computed again by each model reading it. Incremental by dossier
    (macros/incremental_by_key.sql). -#}
{{
    config(
        materialized='incremental',
        unique_key='dossier_code',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['dossier_code'], 'unique': True}],
        pre_hook="{{ take_new_batches('portal', 'dossiers') }}",
        post_hook="{{ consume_taken_batches('portal', 'dossiers') }}",
    )
}}

with

source as (

    select *, 'portal' as _source_instance from {{ source('portal', 'portal__dossiers') }}
    {{ changed_keys_only('portal', 'dossiers', '"MaHoSo"', 'dossier_code') }}
    {#- the portal's other systems (the former Bac Ninh's, before the merger): sources file #}
    {{ other_instances('portal', 'dossiers', '"MaHoSo"', 'dossier_code') }}

),

ranked_versions as (

    select
        *,
        row_number() over (
            partition by "MaHoSo"
            order by
                {{ portal_timestamp('"NgayCapNhat"') }} desc nulls last,
                _loaded_at desc,
                _batch_id desc
        ) as version_rank,
        max(_loaded_at) over (partition by "MaHoSo") as source_loaded_at

    from source

),

dossiers as (

    select * from ranked_versions where version_rank = 1

),

dossiers_with_lists as (

    select
        dossiers.*,
        attachments.attachment_count,
        attachments.attachments_digitised_count,
        attachments.attachments_reused_count,
        attachments.attachments_from_national_store_count,
        fees.fee_count,
        fees.fee_total_vnd,
        fees.has_positive_fee,
        supplements.supplement_request_count,
        supplements.supplement_requested_ats[1] as first_supplement_requested_at,
        supplements.supplement_received_ats[1] as first_supplement_received_at,
        supplements.supplement_requested_ats[2] as second_supplement_requested_at,
        result_documents.result_document_count,
        result_documents.e_result_document_count

    from dossiers

    cross join lateral (
        select
            count(*) as attachment_count,
            count(*) filter (where {{ portal_flag("item ->> 'DuocSoHoa'") }}) as attachments_digitised_count,
            count(*) filter (where {{ portal_flag("item ->> 'DuocTaiSuDung'") }}) as attachments_reused_count,
            count(*) filter (where {{ portal_flag("item ->> 'DuocLayTuKhoDMQG'") }})
                as attachments_from_national_store_count
        from {{ json_items('dossiers."TaiLieuNop"') }} as item
    ) as attachments

    cross join lateral (
        select
            count(*) as fee_count,
            coalesce(sum(nullif(trim(item ->> 'Gia'), '')::numeric), 0) as fee_total_vnd,
            coalesce(bool_or(nullif(trim(item ->> 'Gia'), '')::numeric > 0), false) as has_positive_fee
        from {{ json_items('dossiers."DanhSachLePhi"') }} as item
    ) as fees

    cross join lateral (
        select
            count(*) as supplement_request_count,
            array_agg(
                {{ portal_timestamp("item ->> 'NgayYeuCauBoSung'") }}
                order by {{ portal_timestamp("item ->> 'NgayYeuCauBoSung'") }} nulls last, item ->> 'HoSoBoSungId'
            ) as supplement_requested_ats,
            array_agg(
                {{ portal_timestamp("item ->> 'NgayTiepNhanBoSung'") }}
                order by {{ portal_timestamp("item ->> 'NgayYeuCauBoSung'") }} nulls last, item ->> 'HoSoBoSungId'
            ) as supplement_received_ats
        from {{ json_items('dossiers."DanhSachHoSoBoSung"') }} as item
    ) as supplements

    cross join lateral (
        select
            count(*) as result_document_count,
            -- an electronic result is a result document whose link is neither null nor empty
            count(*) filter (where nullif(item ->> 'DuongDanTepTinKetQua', '') is not null)
                as e_result_document_count
        from {{ json_items('dossiers."DanhSachGiayToKetQua"') }} as item
    ) as result_documents

),

renamed as (

    select
        ----------  ids
        "MaHoSo" as dossier_code,
        "MaTTHC" as procedure_code,
        "TenTTHC" as procedure_name,
        "DonViXuLy" as agency_code,
        "MaXaChuHoSo" as applicant_commune_code,
        -- pseudonymised upstream (keyed hash); kept to count distinct applicants
        "SoGiayToChuHoSo" as applicant_id_hash,

        ----------  codes
        "KenhThucHien" as channel_code,
        case "KenhThucHien"
            when '1' then 'in_person'
            when '2' then 'online'
            when '3' then 'postal'
        end as channel,
        "LoaiDoiTuong" as applicant_type_code,
        case "LoaiDoiTuong"
            when '1' then 'citizen'
            when '2' then 'enterprise'
            when '3' then 'state_agency'
            when '4' then 'other'
        end as applicant_type,
        "TrangThaiHoSo" as status_code,
        case "TrangThaiHoSo"
            when '1' then 'new'
            when '2' then 'received'
            when '3' then 'not_received'
            when '4' then 'processing'
            when '5' then 'supplement_requested'
            when '6' then 'financial_obligation_requested'
            when '7' then 'withdrawn'
            when '8' then 'stopped'
            when '9' then 'processed'
            when '10' then 'result_returned'
        end as status,
        "DuocThanhToanTrucTuyen" as payment_code,
        case "DuocThanhToanTrucTuyen"
            when '0' then 'not_online'
            when '1' then 'national_portal'
            when '2' then 'provincial_gateway'
        end as payment_channel,

        ----------  flags
        coalesce("DuocThanhToanTrucTuyen" in ('1', '2'), false) as is_paid_online,
        {{ portal_flag('"HoSoCoThanhPhanSoHoa"') }} as has_digitised_components,
        {{ portal_flag('"TaiKhoanDuocXacThucVoiVNeID"') }} as is_vneid_verified,
        e_result_document_count > 0 as has_e_result,
        has_positive_fee,

        ----------  amounts and counts
        fee_count,
        fee_total_vnd,
        attachment_count,
        attachments_digitised_count,
        attachments_reused_count,
        attachments_from_national_store_count,
        result_document_count,
        e_result_document_count,
        supplement_request_count,

        ----------  timestamps (local wall-clock time) and local dates
        {{ portal_timestamp('"NgayNopHoSo"') }} as submitted_at,
        {{ portal_timestamp('"NgayNopHoSo"') }}::date as submitted_date,
        {{ portal_timestamp('"NgayTiepNhan"') }} as received_at,
        {{ portal_timestamp('"NgayTiepNhan"') }}::date as received_date,
        {{ portal_timestamp('"NgayHenTra"') }} as due_at,
        {{ portal_timestamp('"NgayHenTra"') }}::date as due_date,
        {{ portal_timestamp('"NgayKetThucXuLy"') }} as processing_ended_at,
        {{ portal_timestamp('"NgayKetThucXuLy"') }}::date as processing_ended_date,
        {{ portal_timestamp('"NgayTra"') }} as returned_at,
        {{ portal_timestamp('"NgayTra"') }}::date as returned_date,
        first_supplement_requested_at,
        first_supplement_received_at,
        second_supplement_requested_at,
        {{ portal_timestamp('"NgayCapNhat"') }} as updated_at,

        ----------  load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        source_loaded_at

    from dossiers_with_lists

)

select * from renamed
