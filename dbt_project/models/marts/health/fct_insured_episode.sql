with

episodes as (

    select * from {{ ref('stg_health__claims') }}

),

facilities as (

    select * from {{ ref('dim_health_facility') }}

),

-- where each facility lay on a day: a fact counts in the units of its own day
locations as (

    select * from {{ ref('dim_health_facility_location') }}

),

final as (

    select
        episodes.episode_key,
        episodes.facility_code,
        facilities.facility_type,
        locations.province_code,
        locations.district_code,
        locations.commune_code,
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
    left join locations
        on episodes.facility_code = locations.facility_code
        and {{ health_location_on('locations', 'episodes.discharge_date') }}

)

select * from final
