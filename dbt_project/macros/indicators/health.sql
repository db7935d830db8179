{#- The health indicators (docs/health_source.md): the parts of every YT_* row of the registry
    for the periods of `periods_sql`, as the domain contract of `indicator_values_sql` asks.

    Flows (transactions, amounts, insured episodes) are summed over the period's days by the
    unit's area and type; stocks (units with a cashless method, facilities connected for remote
    consultation, hospitals with LIS) are counted at period_end from the dated capabilities.
    Every area is counted from the facts, never from rates: a facility counts in its commune, its
    district and the province as they were on the fact's day (flows: the fact tables' units of
    the day) or at period_end (stocks: the registry's location then), as reported; a stock counts
    a facility only once it is open (opened_on, e.g. the former Bắc Ninh's from 2025-07-01).
    Breakdowns: 'total' and 'unit_type' (the facility type). -#}
{% macro indicator_values__health(periods_sql) -%}
with

periods as (

    select
        given_periods.period_type::text as period_type,
        given_periods.period_start::date as period_start,
        given_periods.period_end::date as period_end
    from ({{ periods_sql }}) as given_periods (period_type, period_start, period_end)

),

period_days as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        period_day::date as fact_date
    from periods
    cross join lateral generate_series(periods.period_start, periods.period_end, interval '1 day') as period_day

),

facilities as (

    select * from {{ ref('dim_health_facility') }}

),

capabilities as (

    select * from {{ ref('dim_health_facility_capability') }}

),

locations as (

    select * from {{ ref('dim_health_facility_location') }}

),

----------  flows: parts per day and facility, then per period

daily_payments as (

    select
        transaction_date as fact_date,
        unit_code as facility_code,
        province_code,
        district_code,
        commune_code,
        count(*) as transactions,
        count(*) filter (where is_cashless) as cashless_transactions,
        sum(amount_vnd) as amount,
        coalesce(sum(amount_vnd) filter (where is_cashless), 0) as cashless_amount
    from {{ ref('fct_health_payment') }}
    group by 1, 2, 3, 4, 5

),

daily_episodes as (

    select
        discharge_date as fact_date,
        facility_code,
        province_code,
        district_code,
        commune_code,
        count(*) as episodes
    from {{ ref('fct_insured_episode') }}
    group by 1, 2, 3, 4, 5

),

flow_parts as (

    select
        period_days.period_type,
        period_days.period_start,
        period_days.period_end,
        daily_payments.facility_code,
        daily_payments.province_code,
        daily_payments.district_code,
        daily_payments.commune_code,
        parts.indicator_code,
        sum(parts.numerator) as numerator,
        sum(parts.denominator) as denominator
    from period_days
    inner join daily_payments
        on period_days.fact_date = daily_payments.fact_date
    cross join lateral (
        values
            ('YT_CASHLESS_TXN_RATE', daily_payments.cashless_transactions::numeric,
                daily_payments.transactions::numeric),
            ('YT_CASHLESS_VALUE_RATE', daily_payments.cashless_amount::numeric,
                daily_payments.amount::numeric)
    ) as parts (indicator_code, numerator, denominator)
    group by 1, 2, 3, 4, 5, 6, 7, 8

    union all

    select
        period_days.period_type,
        period_days.period_start,
        period_days.period_end,
        daily_episodes.facility_code,
        daily_episodes.province_code,
        daily_episodes.district_code,
        daily_episodes.commune_code,
        'YT_INSURED_VISITS' as indicator_code,
        sum(daily_episodes.episodes)::numeric as numerator,
        null::numeric as denominator
    from period_days
    inner join daily_episodes
        on period_days.fact_date = daily_episodes.fact_date
    group by 1, 2, 3, 4, 5, 6, 7, 8

),

----------  stocks: per open facility at period_end, where it lay then (only once the registry's
----------  first capability exists)

facility_states as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        facilities.facility_code,
        locations.province_code,
        locations.district_code,
        locations.commune_code,
        facilities.is_under_department,
        facilities.is_telehealth_spoke,
        facilities.is_hospital,
        exists (
            select from capabilities
            where capabilities.facility_code = facilities.facility_code
                and capabilities.is_cashless_method
                and capabilities.valid_from <= periods.period_end
                and coalesce(periods.period_end < capabilities.valid_to, true)
        ) as has_cashless,
        exists (
            select from capabilities
            where capabilities.facility_code = facilities.facility_code
                and capabilities.capability = 'remote_consultation'
                and capabilities.valid_from <= periods.period_end
                and coalesce(periods.period_end < capabilities.valid_to, true)
        ) as has_remote_consultation,
        exists (
            select from capabilities
            where capabilities.facility_code = facilities.facility_code
                and capabilities.capability = 'laboratory_information_system'
                and capabilities.valid_from <= periods.period_end
                and coalesce(periods.period_end < capabilities.valid_to, true)
        ) as has_lis
    from periods
    cross join facilities
    left join locations
        on facilities.facility_code = locations.facility_code
        and {{ health_location_on('locations', 'periods.period_end') }}
    where periods.period_end >= (select min(valid_from) from capabilities)
        and coalesce(facilities.opened_on <= periods.period_end, true)

),

stock_parts as (

    select
        facility_states.period_type,
        facility_states.period_start,
        facility_states.period_end,
        facility_states.facility_code,
        facility_states.province_code,
        facility_states.district_code,
        facility_states.commune_code,
        parts.indicator_code,
        parts.numerator,
        parts.denominator
    from facility_states
    cross join lateral (
        values
            ('YT_CASHLESS_UNIT_RATE', facility_states.is_under_department,
                facility_states.has_cashless::int::numeric, 1::numeric),
            ('YT_TELEHEALTH_FACILITY_RATE', facility_states.is_telehealth_spoke,
                facility_states.has_remote_consultation::int::numeric, 1::numeric),
            ('YT_LIS_HOSPITAL_RATE', facility_states.is_hospital,
                facility_states.has_lis::int::numeric, 1::numeric)
    ) as parts (indicator_code, in_scope, numerator, denominator)
    where parts.in_scope

),

facility_parts as (

    select * from flow_parts
    union all
    select * from stock_parts

),

----------  areas and breakdowns

rolled_up as (

    select
        facility_parts.indicator_code,
        facility_parts.period_type,
        facility_parts.period_start,
        facility_parts.period_end,
        areas.area_level,
        areas.area_code,
        breakdowns.breakdown,
        breakdowns.breakdown_value,
        sum(facility_parts.numerator) as numerator,
        sum(facility_parts.denominator) as denominator
    from facility_parts
    inner join facilities
        on facility_parts.facility_code = facilities.facility_code
    cross join lateral (
        values
            ('province', facility_parts.province_code),
            ('district', facility_parts.district_code),
            ('commune', facility_parts.commune_code)
    ) as areas (area_level, area_code)
    cross join lateral (
        values
            ('total', 'total'),
            ('unit_type', facilities.facility_type)
    ) as breakdowns (breakdown, breakdown_value)
    where areas.area_code is not null
    group by 1, 2, 3, 4, 5, 6, 7, 8

),

final as (

    select
        indicator_code,
        period_type,
        period_start,
        period_end,
        area_level::text as area_level,
        area_code::text as area_code,
        breakdown::text as breakdown,
        breakdown_value::text as breakdown_value,
        numerator,
        case when indicator_code = 'YT_INSURED_VISITS' then null else denominator end
            as denominator
    from rolled_up

)

select * from final
{%- endmacro %}
