with

source as (

    select *, 'education' as _source_instance
    from {{ source('education', 'education__school_reports') }}
    {#- the former Bac Ninh's own system before the merger, and any other: sources file #}
    {{ other_instances('education', 'school_reports') }}

),

-- The month is the load interval (the period the pipeline gave the file); a school reported twice
-- for one month (a re-sent workbook loaded twice) keeps its latest load.
deduplicated as (

    select
        *,
        (_interval_start at time zone 'Asia/Ho_Chi_Minh')::date as month_start,
        row_number() over (
            partition by "MaTruong", _interval_start
            order by _loaded_at desc, _batch_id desc
        ) as row_rank
    from source

),

renamed as (

    select
        trim("MaTruong") as school_code,
        month_start,
        to_date(nullif(trim("KyBaoCao"), ''), 'YYYYMM') as reported_month,
        nullif(trim("TenTruong"), '') as school_name,
        nullif(trim("CapHoc"), '') as school_level_vi,
        {{ education_level_code('"CapHoc"') }} as school_level,
        nullif(trim("XaPhuong"), '') as commune_name,
        nullif(trim("SoHocSinh"), '')::integer as students,
        nullif(trim("SoGiaoVien"), '')::integer as teachers,
        case trim("SuDungHoSoDienTu") when '1' then true when '0' then false end as uses_e_records,
        nullif(trim("SoHocBaSoDaKy"), '')::integer as digital_record_books_signed,
        nullif(trim("SoLopHocTrucTuyen"), '')::integer as online_classrooms,
        nullif(trim("SoHocSinhHocTrucTuyen"), '')::integer as online_participants,
        nullif(trim("SoLuotThuHocPhi"), '')::integer as tuition_payments,
        nullif(trim("SoTienHocPhi"), '')::bigint as tuition_amount_vnd,
        nullif(trim("SoLuotKhongTienMat"), '')::integer as cashless_payments,
        nullif(trim("SoTienKhongTienMat"), '')::bigint as cashless_amount_vnd,
        _file as source_file,
        _loaded_at as loaded_at

    from deduplicated
    where row_rank = 1

)

select * from renamed
