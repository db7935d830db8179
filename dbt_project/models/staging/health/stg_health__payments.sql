{#- A table: the cashier transactions are the largest health table (414,000 rows in H1 2022),
    read by the payment fact and its tests. Incremental by transaction_id
    (macros/incremental_by_key.sql). -#}
{{
    config(
        materialized='incremental',
        unique_key='transaction_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['transaction_id'], 'unique': True}],
        pre_hook="{{ take_new_batches('health', 'payments') }}",
        post_hook="{{ consume_taken_batches('health', 'payments') }}",
    )
}}

with

source as (

    select *, 'health' as _source_instance from {{ source('health', 'health__payments') }}
    {{ changed_keys_only('health', 'payments', '"MaGiaoDich"', 'transaction_id') }}
    {#- the sector's other systems (the former Bac Ninh's, before the merger): sources file #}
    {{ other_instances('health', 'payments', '"MaGiaoDich"', 'transaction_id') }}

),

-- A unit that re-sends a day replaces the day's batch; a transaction id is kept once (latest).
deduplicated as (

    select
        *,
        row_number() over (
            partition by "MaGiaoDich" order by _loaded_at desc, _batch_id desc
        ) as row_rank,
        max(_loaded_at) over (partition by "MaGiaoDich") as source_loaded_at
    from source

),

renamed as (

    select
        "MaGiaoDich" as transaction_id,
        "MaDonVi" as unit_code,
        to_timestamp("ThoiGian", 'DD/MM/YYYY HH24:MI:SS')::timestamp as transaction_at,
        to_timestamp("ThoiGian", 'DD/MM/YYYY HH24:MI:SS')::date as transaction_date,
        "SoTien"::bigint as amount_vnd,
        "MucDich" as purpose_code,
        case "MucDich"
            when 'VIEN_PHI' then 'hospital_fee'
            when 'DICH_VU' then 'service'
            when 'KHAC' then 'other'
        end as purpose,
        "HinhThuc" as method_code,
        case "HinhThuc"
            when 'TIEN_MAT' then 'cash'
            when 'QR' then 'qr_code'
            when 'POS' then 'pos_card'
            when 'VI_DIEN_TU' then 'mobile_money'
        end as method,
        "HinhThuc" <> 'TIEN_MAT' as is_cashless,
        _file as file_name,
        _file_sha256 as file_sha256,
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        source_loaded_at

    from deduplicated
    where row_rank = 1

)

select * from renamed
