with

source as (

    select * from {{ source('health', 'health__payments') }}

),

-- A unit that re-sends a day replaces the day's batch; a transaction id is kept once (latest).
deduplicated as (

    select
        *,
        row_number() over (
            partition by "MaGiaoDich" order by _loaded_at desc, _batch_id desc
        ) as row_rank
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
        _loaded_at as loaded_at

    from deduplicated
    where row_rank = 1

)

select * from renamed
