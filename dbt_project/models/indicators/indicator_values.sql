{{
    config(
        post_hook="{{ create_indicator_values_between(this.schema) }}",
        indexes=[{'columns': ['indicator_code', 'period_type', 'period_start']}],
    )
}}

{#- Every month, quarter, half-year and year in which any dossier was received. -#}
{%- set periods_sql -%}
    select distinct
        calendar_periods.period_type,
        calendar_periods.period_start,
        calendar_periods.period_end
    from {{ ref('fct_dossier') }} as dossiers
    cross join lateral (
        values
            (
                'month',
                date_trunc('month', dossiers.received_date)::date,
                (date_trunc('month', dossiers.received_date) + interval '1 month - 1 day')::date
            ),
            (
                'quarter',
                date_trunc('quarter', dossiers.received_date)::date,
                (date_trunc('quarter', dossiers.received_date) + interval '3 months - 1 day')::date
            ),
            (
                'half_year',
                make_date(
                    extract(year from dossiers.received_date)::int,
                    case when extract(month from dossiers.received_date) <= 6 then 1 else 7 end,
                    1
                ),
                (make_date(
                    extract(year from dossiers.received_date)::int,
                    case when extract(month from dossiers.received_date) <= 6 then 1 else 7 end,
                    1
                ) + interval '6 months - 1 day')::date
            ),
            (
                'year',
                date_trunc('year', dossiers.received_date)::date,
                (date_trunc('year', dossiers.received_date) + interval '1 year - 1 day')::date
            )
    ) as calendar_periods (period_type, period_start, period_end)
    where dossiers.received_date is not null
{%- endset -%}

{{ indicator_values_sql(periods_sql) }}
