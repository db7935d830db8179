with

payments as (

    select * from {{ ref('stg_health__payments') }}

),

facilities as (

    select * from {{ ref('dim_health_facility') }}

),

final as (

    select
        payments.transaction_id,
        payments.unit_code,
        facilities.facility_type as unit_type,
        facilities.province_code,
        facilities.district_code,
        facilities.commune_code,
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

)

select * from final
