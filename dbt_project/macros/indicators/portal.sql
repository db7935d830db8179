{#- The portal's indicators (docs/indicators_portal.md): the parts of every DVC_* row of the
    registry for the periods of `periods_sql`, as the domain contract of `indicator_values_sql`
    asks (indicator_code, period_type, period_start, period_end, area_level, area_code,
    breakdown, breakdown_value, numerator, denominator).

    Every area and every period is counted from the dossiers themselves (never from other rates),
    so a district is the sum of its district agencies and its communes, and a quarter the sum of
    its months. Periods without any dossier give no rows. -#}
{% macro indicator_values__portal(periods_sql) -%}
with

periods as (

    select
        given_periods.period_type::text as period_type,
        given_periods.period_start::date as period_start,
        given_periods.period_end::date as period_end
    from ({{ periods_sql }}) as given_periods (period_type, period_start, period_end)

),

-- every day of every period: dossiers join on an equality (hash join), not a date range
period_days as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        period_day::date as received_date
    from periods
    cross join lateral generate_series(periods.period_start, periods.period_end, interval '1 day') as period_day

),

dossiers as (

    select
        procedure_code,
        province_code,
        district_code,
        commune_code,
        received_date,
        is_online,
        is_fully_online_procedure,
        is_online_payment_scope,
        is_paid_online,
        requires_result_document,
        has_e_result,
        is_digitised_dossier,
        has_reused_data,
        uses_population_data,
        ended_at,
        is_on_time,
        on_time_until

    from {{ ref('fct_dossier') }}
    where received_date is not null

),

procedures as (

    select * from {{ ref('dim_procedure') }}

),

-- periods in which at least one dossier was received: the others have no portal rows
active_periods as (

    select distinct
        period_days.period_type,
        period_days.period_start,
        period_days.period_end
    from period_days
    where exists (
        select from dossiers where dossiers.received_date = period_days.received_date
    )

),

----------  dossier-count indicators: parts per receipt day and handling agency's area

daily_agency_area_counts as (

    select
        received_date,
        province_code,
        district_code,
        commune_code,
        count(*) as received,
        count(*) filter (where is_online) as received_online,
        count(*) filter (where is_fully_online_procedure) as fully_online_procedure,
        count(*) filter (where is_fully_online_procedure and is_online) as fully_online_procedure_online,
        count(*) filter (where is_online_payment_scope) as payment_scope,
        count(*) filter (where is_online_payment_scope and is_paid_online) as payment_scope_paid_online,
        count(*) filter (where requires_result_document) as result_document_required,
        count(*) filter (where requires_result_document and has_e_result) as result_document_electronic,
        count(*) filter (where is_digitised_dossier) as digitised,
        count(*) filter (where has_reused_data) as reused_data,
        count(*) filter (where uses_population_data) as population_data

    from dossiers
    group by 1, 2, 3, 4

),

agency_area_counts as (

    select
        period_days.period_type,
        period_days.period_start,
        period_days.period_end,
        daily.province_code,
        daily.district_code,
        daily.commune_code,
        sum(daily.received) as received,
        sum(daily.received_online) as received_online,
        sum(daily.fully_online_procedure) as fully_online_procedure,
        sum(daily.fully_online_procedure_online) as fully_online_procedure_online,
        sum(daily.payment_scope) as payment_scope,
        sum(daily.payment_scope_paid_online) as payment_scope_paid_online,
        sum(daily.result_document_required) as result_document_required,
        sum(daily.result_document_electronic) as result_document_electronic,
        0 as on_time,
        sum(daily.digitised) as digitised,
        sum(daily.reused_data) as reused_data,
        sum(daily.population_data) as population_data

    from period_days
    inner join daily_agency_area_counts as daily
        on period_days.received_date = daily.received_date
    group by 1, 2, 3, 4, 5, 6

),

-- On time depends on the period: a dossier ended by the period's end is judged at its end
-- (int_dossier_lifecycle's verdict), one still open is judged at the period's end.
agency_area_on_time as (

    select
        period_days.period_type,
        period_days.period_start,
        period_days.period_end,
        dossiers.province_code,
        dossiers.district_code,
        dossiers.commune_code,
        count(*) filter (
            where {{ dossier_on_time_in_period('period_days.period_end', 'dossiers.') }}
        ) as on_time

    from period_days
    inner join dossiers
        on period_days.received_date = dossiers.received_date
    group by 1, 2, 3, 4, 5, 6

),

area_counts as (

    select
        parts.period_type,
        parts.period_start,
        parts.period_end,
        areas.area_level,
        areas.area_code,
        sum(received) as received,
        sum(received_online) as received_online,
        sum(fully_online_procedure) as fully_online_procedure,
        sum(fully_online_procedure_online) as fully_online_procedure_online,
        sum(payment_scope) as payment_scope,
        sum(payment_scope_paid_online) as payment_scope_paid_online,
        sum(result_document_required) as result_document_required,
        sum(result_document_electronic) as result_document_electronic,
        sum(on_time) as on_time,
        sum(digitised) as digitised,
        sum(reused_data) as reused_data,
        sum(population_data) as population_data

    from (
        select * from agency_area_counts
        union all
        select
            period_type, period_start, period_end, province_code, district_code, commune_code,
            0, 0, 0, 0, 0, 0, 0, 0, on_time, 0, 0, 0
        from agency_area_on_time
    ) as parts
    -- a commune agency counts in its commune, its district and the province; a district agency
    -- in its district and the province; a province-level agency in the province only
    cross join lateral (
        values
            ('province', parts.province_code),
            ('district', parts.district_code),
            ('commune', parts.commune_code)
    ) as areas (area_level, area_code)
    where areas.area_code is not null
    group by 1, 2, 3, 4, 5

),

dossier_indicators as (

    select
        area_counts.period_type,
        area_counts.period_start,
        area_counts.period_end,
        area_counts.area_level,
        area_counts.area_code,
        parts.indicator_code,
        parts.numerator,
        parts.denominator

    from area_counts
    cross join lateral (
        values
            ('DVC_ONLINE_INTAKE_RATE', received_online, received),
            ('DVC_FULLY_ONLINE_RATE', fully_online_procedure_online, fully_online_procedure),
            ('DVC_ONLINE_PAYMENT_RATE', payment_scope_paid_online, payment_scope),
            ('DVC_E_RESULT_RATE', result_document_electronic, result_document_required),
            ('DVC_ON_TIME_RATE', on_time, received),
            ('DVC_DIGITISED_DOSSIER_RATE', digitised, received),
            ('DVC_REUSED_DATA_RATE', reused_data, received),
            ('DVC_VNEID_DOSSIER_RATE', population_data, received)
    ) as parts (indicator_code, numerator, denominator)

),

----------  procedure-count indicators, province only

daily_procedures as (

    select
        received_date,
        procedure_code,
        bool_or(is_online) as has_online_dossier,
        bool_or(has_e_result) as has_e_result_dossier

    from dossiers
    group by 1, 2

),

procedure_periods as (

    select
        period_days.period_type,
        period_days.period_start,
        period_days.period_end,
        daily_procedures.procedure_code,
        bool_or(daily_procedures.has_online_dossier) as has_online_dossier,
        bool_or(daily_procedures.has_e_result_dossier) as has_e_result_dossier

    from period_days
    inner join daily_procedures
        on period_days.received_date = daily_procedures.received_date
    group by 1, 2, 3, 4

),

services_with_online_dossiers as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        'DVC_SERVICES_WITH_ONLINE_DOSSIERS_RATE' as indicator_code,
        count(*) filter (where procedure_periods.has_online_dossier) as numerator,
        count(procedures.procedure_code) as denominator

    from active_periods as periods
    left join procedures
        on procedures.is_online_service
        and coalesce(procedures.valid_from <= periods.period_end, true)
        and coalesce(periods.period_end < procedures.valid_to, true)
    left join procedure_periods
        on procedure_periods.period_type = periods.period_type
        and procedure_periods.period_start = periods.period_start
        and procedure_periods.period_end = periods.period_end
        and procedure_periods.procedure_code = procedures.procedure_code
    group by 1, 2, 3

),

digitised_result_procedures as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        'DVC_DIGITISED_RESULT_PROCEDURE_RATE' as indicator_code,
        count(procedure_periods.procedure_code) filter (where procedure_periods.has_e_result_dossier)
            as numerator,
        count(procedure_periods.procedure_code) as denominator

    from active_periods as periods
    left join procedure_periods
        on procedure_periods.period_type = periods.period_type
        and procedure_periods.period_start = periods.period_start
        and procedure_periods.period_end = periods.period_end
    group by 1, 2, 3

),

fee_procedures_online_payment as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        'DVC_FEE_PROCEDURES_ONLINE_PAYMENT_INTEGRATED_RATE' as indicator_code,
        count(*) filter (where procedures.has_online_payment_integrated) as numerator,
        count(procedures.procedure_code) as denominator

    from active_periods as periods
    left join procedures
        on procedures.has_financial_obligation
        and coalesce(procedures.valid_from <= periods.period_end, true)
        and coalesce(periods.period_end < procedures.valid_to, true)
    group by 1, 2, 3

),

procedure_indicators as (

    select
        period_type,
        period_start,
        period_end,
        'province' as area_level,
        '{{ var("dti_province_code") }}' as area_code,
        indicator_code,
        numerator,
        denominator

    from (
        select * from services_with_online_dossiers
        union all
        select * from digitised_result_procedures
        union all
        select * from fee_procedures_online_payment
    ) as procedure_counts

),

all_indicators as (

    select * from dossier_indicators
    union all
    select * from procedure_indicators

),

final as (

    select
        indicator_code::text as indicator_code,
        period_type::text as period_type,
        period_start::date as period_start,
        period_end::date as period_end,
        area_level::text as area_level,
        area_code::text as area_code,
        'total'::text as breakdown,
        'total'::text as breakdown_value,
        numerator::numeric as numerator,
        denominator::numeric as denominator

    from all_indicators

)

select * from final
{%- endmacro %}
