{#- A table: the insurance claims (one row per treatment episode), read by the claims fact and
    its tests. Incremental by episode_key (macros/incremental_by_key.sql). -#}
{{
    config(
        materialized='incremental',
        unique_key='episode_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['episode_key'], 'unique': True}],
        pre_hook="{{ take_new_batches('health', 'claims') }}",
        post_hook="{{ consume_taken_batches('health', 'claims') }}",
    )
}}

with

source as (

    select *, 'health' as _source_instance from {{ source('health', 'health__claims') }}
    {{ changed_keys_only('health', 'claims', '"MA_LK"', 'episode_key') }}
    {#- the sector's other systems (the former Bac Ninh's, before the merger): sources file #}
    {{ other_instances('health', 'claims', '"MA_LK"', 'episode_key') }}

),

-- An episode is claimed once; if a facility re-sends it, the latest load wins.
deduplicated as (

    select
        *,
        row_number() over (partition by "MA_LK" order by _loaded_at desc, _batch_id desc) as row_rank,
        max(_loaded_at) over (partition by "MA_LK") as source_loaded_at
    from source

),

renamed as (

    select
        "MA_LK" as episode_key,
        "MA_CSKCB" as facility_code,
        "MA_BN" as patient_pseudonym,
        "MA_THE_BHYT" as insurance_card_pseudonym,
        "SO_CCCD" as citizen_id_pseudonym,
        "GIOI_TINH" as sex_code,
        to_date(left("NGAY_SINH", 8), 'YYYYMMDD') as birth_date,
        "MATINH_CU_TRU" as residence_province_code,
        "MAHUYEN_CU_TRU" as residence_district_code,
        "MAXA_CU_TRU" as residence_commune_code,
        "MA_BENH_CHINH" as main_diagnosis_code,
        "MA_LOAI_KCB" as care_type_code,
        case "MA_LOAI_KCB"
            when '01' then 'examination'
            when '02' then 'outpatient_treatment'
            when '03' then 'inpatient'
            else 'other'
        end as care_type,
        "MA_KHOA" as department_code,
        to_timestamp("NGAY_VAO", 'YYYYMMDDHH24MI')::timestamp as admitted_at,
        to_timestamp("NGAY_RA", 'YYYYMMDDHH24MI')::timestamp as discharged_at,
        to_timestamp("NGAY_RA", 'YYYYMMDDHH24MI')::date as discharge_date,
        to_timestamp("NGAY_TTOAN", 'YYYYMMDDHH24MI')::timestamp as settled_at,
        "T_TONGCHI_BV"::numeric as total_cost_vnd,
        "T_TONGCHI_BH"::numeric as insured_cost_vnd,
        "T_BNTT"::numeric as patient_paid_vnd,
        "T_BNCCT"::numeric as copayment_vnd,
        "T_BHTT"::numeric as insurance_paid_vnd,
        "CHUAN_DU_LIEU" as data_standard,
        _file as file_name,
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        source_loaded_at

    from deduplicated
    where row_rank = 1

)

select * from renamed
