with

payments as (

    select * from {{ ref('stg_health__payments') }}

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
        payments.transaction_id,
        payments.unit_code,
        facilities.facility_type as unit_type,
        locations.province_code,
        locations.district_code,
        locations.commune_code,
        payments.transaction_at,
        payments.transaction_date,
        payments.amount_vnd,
        payments.purpose,
        payments.method,
        payments.is_cashless,
        payments.file_name

    from payments
    left join facilities
        on payments.unit_code = facilities.facility_code
    left join locations
        on payments.unit_code = locations.facility_code
        and {{ health_location_on('locations', 'payments.transaction_date') }}

)

select * from final
