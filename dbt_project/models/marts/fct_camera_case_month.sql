with

cases as (

    select * from {{ ref('stg_police__cases') }}

),

final as (

    select
        district_code,
        '{{ var("dti_province_code") }}' as province_code,
        month_start,
        month_end,
        revision,
        versions_loaded,
        revision > 0 as is_restated,
        updated_at,
        criminal_cases,
        traffic_accident_cases,
        other_cases,
        criminal_cases + traffic_accident_cases as camera_cases

    from cases

)

select * from final
