with

cases as (

    select * from {{ ref('stg_police__cases') }}

),

-- the district as the source sent it, resolved to the version valid in the month (the 2024
-- arrangement changed districts: 221 until 2024-10, 224 from 2024-11), in its province (the
-- former Bac Ninh's own system's districts: 27); from 2025-07 the districts are abolished and a
-- month is the province's (district_code null)
resolved as (

    select
        cases.*,
        units.unit_key as district_unit_key,
        units.province_code
    from cases
    left join {{ ref('dim_administrative_unit') }} as units
        on cases.district_code = units.unit_code
        and units.unit_level = 'district'
        and {{ unit_valid_on('units', 'cases.month_start') }}

),

final as (

    select
        district_code,
        district_unit_key,
        coalesce(province_code, '{{ var("dti_province_code") }}') as province_code,
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

    from resolved

)

select * from final
