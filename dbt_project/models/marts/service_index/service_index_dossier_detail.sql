{{ config(materialized='view') }}

{#- The dossiers behind every dossier component of marts.service_index: one row per dossier x
    calendar period containing its receipt day x unit it counts for x component whose denominator
    holds it, with in_numerator. A view (nothing stored): an analyst filters it by unit, period
    and component, e.g. why is this agency late:
        select * from marts.service_index_dossier_detail
        where unit_type = 'agency' and unit_code = '000.00.21.H04'
          and period_type = 'quarter' and period_start = '2022-04-01'
          and component_code = 'ON_TIME' and not in_numerator;
    Summing in_numerator and counting rows per period x unit x component gives service_index's
    numerator and denominator. -#}

with

dossiers as (

    select * from {{ ref('fct_dossier') }}
    where received_date is not null

),

dossier_periods as (

    select
        dossiers.*,
        periods.period_type,
        periods.period_start,
        (periods.period_start + periods.length - interval '1 day')::date as period_end

    from dossiers
    cross join lateral (
        values
            ('month', date_trunc('month', dossiers.received_date)::date, interval '1 month'),
            ('quarter', date_trunc('quarter', dossiers.received_date)::date, interval '3 months'),
            (
                'half_year',
                make_date(
                    extract(year from dossiers.received_date)::int,
                    case when extract(month from dossiers.received_date) <= 6 then 1 else 7 end,
                    1
                ),
                interval '6 months'
            ),
            ('year', date_trunc('year', dossiers.received_date)::date, interval '1 year')
    ) as periods (period_type, period_start, length)

),

judged as (

    select
        *,
        {{ dossier_on_time_in_period('period_end') }} as is_on_time_in_period,
        case when ended_at < (period_end + 1)::timestamp then ended_at else (period_end + 1)::timestamp end
            as on_time_judged_at

    from dossier_periods

),

final as (

    select
        judged.period_type,
        judged.period_start,
        judged.period_end,
        units.unit_type,
        units.unit_code,
        parts.component_code,
        parts.in_numerator,
        judged.dossier_code,
        judged.agency_code,
        judged.procedure_code,
        judged.received_at,
        judged.channel,
        judged.status,
        judged.due_at,
        judged.due_basis,
        judged.ended_at,
        judged.end_state,
        judged.supplement_request_count,
        judged.supplement_wait,
        judged.on_time_until,
        judged.on_time_judged_at,
        judged.is_on_time_in_period

    from judged
    cross join lateral (
        values
            ('province', judged.province_code),
            ('agency', judged.agency_code),
            ('district', judged.district_code),
            ('commune', judged.commune_code)
    ) as units (unit_type, unit_code)
    cross join lateral (
        values
            ('ON_TIME', true, judged.is_on_time_in_period),
            ('ONLINE_INTAKE', true, judged.is_online),
            ('FULLY_ONLINE', judged.is_fully_online_procedure, judged.is_online),
            ('ONLINE_PAYMENT', judged.is_online_payment_scope, judged.is_paid_online),
            ('E_RESULT', judged.requires_result_document, judged.has_e_result),
            ('DIGITISED', true, judged.is_digitised_dossier),
            ('REUSED_DATA', true, judged.has_reused_data),
            ('POPULATION_DATA', true, judged.uses_population_data)
    ) as parts (component_code, in_denominator, in_numerator)
    where units.unit_code is not null
        and parts.in_denominator

)

select * from final
