with

episodes as (

    select * from {{ ref('stg_health__claims') }}

),

facilities as (

    select * from {{ ref('dim_health_facility') }}

),

final as (

    select
        episodes.episode_key,
        episodes.facility_code,
        facilities.facility_type,
        facilities.province_code,
        facilities.district_code,
        facilities.commune_code,
        episodes.patient_pseudonym,
        episodes.care_type,
        episodes.main_diagnosis_code,
        episodes.admitted_at,
        episodes.discharged_at,
        episodes.discharge_date,
        episodes.settled_at,
        episodes.total_cost_vnd,
        episodes.patient_paid_vnd,
        episodes.copayment_vnd,
        episodes.insurance_paid_vnd,
        episodes.data_standard

    from episodes
    left join facilities
        on episodes.facility_code = facilities.facility_code

)

select * from final
