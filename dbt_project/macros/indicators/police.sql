{#- The police indicators (docs/police_source.md): the parts of every CA_* row of the registry
    for the periods of `periods_sql`, as `indicator_values_sql` asks (indicator_code,
    period_type, period_start, period_end, area_level, area_code, breakdown, breakdown_value,
    numerator, denominator), for the province, its districts and its communes.

    Flows (CA_CCCD_APPLICATIONS, CA_VNEID_TARGET_RATE) sum the period's days; stocks
    (CA_CCCD_COVERAGE_RATE, CA_CAMERAS_CONNECTED) take the value at period_end, never a sum: a
    quarter's value is its last day's. A flow is given for a period with at least one loaded
    day, a stock only when period_end is a loaded day (the cameras: on or before the registry
    snapshot's day). The VNeID target is the year's, so that rate is only given for periods
    inside one year. Cases are monthly: a period counts the months lying wholly inside it and is
    given when it holds at least one loaded month. Areas are as the source sent them: a camera
    under the units of its connection day, a case month under its district; from 2025-07-01
    there are no districts (cameras carry none, a case month is the province's), so those rows
    count for the province (and a camera for its commune) only. -#}
{% macro indicator_values__police(periods_sql) -%}
with

periods as (

    select
        given_periods.period_type::text as period_type,
        given_periods.period_start::date as period_start,
        given_periods.period_end::date as period_end
    from ({{ periods_sql }}) as given_periods (period_type, period_start, period_end)

),

daily as (

    select * from {{ ref('fct_citizen_id_daily') }}

),

-- each commune row under its three areas
daily_areas as (

    select 'commune' as area_level, commune_code as area_code, daily.* from daily
    union all
    select 'district', district_code, daily.* from daily
    where district_code is not null  -- none from 2025-07-01: the districts were abolished
    union all
    select 'province', province_code, daily.* from daily

),

flows as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        daily_areas.area_level,
        daily_areas.area_code,
        sum(daily_areas.cccd_applications) as cccd_applications,
        sum(daily_areas.vneid_applications) as vneid_applications

    from periods
    inner join daily_areas
        on daily_areas.report_date between periods.period_start and periods.period_end
    group by 1, 2, 3, 4, 5

),

-- the VNeID target of the period's year (periods inside one year), of the units reporting on
-- the period's last loaded day: in a year a reorganisation cut (2025), the year's target is
-- the new units' (the merged province's), a half before the cut the former units'
last_days as (

    select
        periods.*,
        (
            select max(daily.report_date) from daily
            where daily.report_date between periods.period_start and periods.period_end
        ) as last_day
    from periods
    where extract(year from periods.period_start) = extract(year from periods.period_end)

),

targets as (

    select
        last_days.period_type,
        last_days.period_start,
        last_days.period_end,
        daily_areas.area_level,
        daily_areas.area_code,
        sum(daily_areas.vneid_target) as vneid_target

    from last_days
    inner join daily_areas
        on daily_areas.report_date = last_days.last_day
    group by 1, 2, 3, 4, 5

),

stocks as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        daily_areas.area_level,
        daily_areas.area_code,
        sum(daily_areas.cumulative_cccd_applications) as cumulative_cccd_applications,
        sum(daily_areas.cccd_age_population) as cccd_age_population

    from periods
    inner join daily_areas
        on daily_areas.report_date = periods.period_end
    group by 1, 2, 3, 4, 5

),

cameras as (

    select * from {{ ref('dim_camera') }}

),

camera_areas as (

    select 'commune' as area_level, commune_code as area_code, cameras.* from cameras
    union all
    select 'district', district_code, cameras.* from cameras
    where district_code is not null  -- none from 2025-07-01: the districts were abolished
    union all
    select 'province', province_code, cameras.* from cameras

),

cameras_connected as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        camera_areas.area_level,
        camera_areas.area_code,
        count(*) filter (where camera_areas.connected_date <= periods.period_end) as connected

    from periods
    inner join camera_areas
        on periods.period_end <= camera_areas.snapshot_date
    where periods.period_end >= (select min(connected_date) from cameras)
    group by 1, 2, 3, 4, 5

),

case_months as (

    select * from {{ ref('fct_camera_case_month') }}

),

case_areas as (

    select 'district' as area_level, district_code as area_code, case_months.* from case_months
    where district_code is not null  -- from 2025-07 a month is the province's
    union all
    select 'province', province_code, case_months.* from case_months

),

cases as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        case_areas.area_level,
        case_areas.area_code,
        sum(case_areas.camera_cases) as camera_cases,
        sum(case_areas.criminal_cases) as criminal_cases,
        sum(case_areas.traffic_accident_cases) as traffic_accident_cases

    from periods
    inner join case_areas
        on case_areas.month_start >= periods.period_start
        and case_areas.month_end <= periods.period_end
    group by 1, 2, 3, 4, 5

),

parts as (

    select
        'CA_CCCD_APPLICATIONS' as indicator_code,
        period_type, period_start, period_end, area_level, area_code,
        'total' as breakdown, 'total' as breakdown_value,
        cccd_applications as numerator,
        null::numeric as denominator
    from flows

    union all

    select
        'CA_VNEID_TARGET_RATE',
        flows.period_type, flows.period_start, flows.period_end, flows.area_level, flows.area_code,
        'total', 'total',
        flows.vneid_applications,
        targets.vneid_target
    from flows
    inner join targets
        on flows.period_type = targets.period_type
        and flows.period_start = targets.period_start
        and flows.period_end = targets.period_end
        and flows.area_level = targets.area_level
        and flows.area_code = targets.area_code
    where targets.vneid_target > 0

    union all

    select
        'CA_CCCD_COVERAGE_RATE',
        period_type, period_start, period_end, area_level, area_code,
        'total', 'total',
        cumulative_cccd_applications,
        cccd_age_population
    from stocks

    union all

    select
        'CA_CAMERAS_CONNECTED',
        period_type, period_start, period_end, area_level, area_code,
        'total', 'total',
        connected,
        null::numeric
    from cameras_connected

    union all

    select
        'CA_CAMERA_CASES',
        period_type, period_start, period_end, area_level, area_code,
        'total', 'total',
        camera_cases,
        null::numeric
    from cases

    union all

    select
        'CA_CAMERA_CASES',
        cases.period_type, cases.period_start, cases.period_end, cases.area_level, cases.area_code,
        'case_type', split.case_type,
        split.cases,
        null::numeric
    from cases
    cross join lateral (
        values
            ('criminal', cases.criminal_cases),
            ('traffic_accident', cases.traffic_accident_cases)
    ) as split (case_type, cases)

),

final as (

    select
        indicator_code,
        period_type,
        period_start,
        period_end,
        area_level,
        area_code,
        breakdown,
        breakdown_value,
        numerator,
        denominator
    from parts

)

select * from final
{%- endmacro %}
