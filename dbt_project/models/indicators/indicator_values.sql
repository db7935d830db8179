{{
    config(
        pre_hook="set local work_mem = '{{ var(\"indicator_work_mem\") }}'",
        post_hook="{{ create_indicator_values_between(this.schema) }}",
        indexes=[{'columns': ['indicator_code', 'period_type', 'period_start']}],
    )
}}

{#- Every month, quarter, half-year and year of the dim_date calendar; each domain gives rows
    only for the periods it has data in. -#}
{%- set periods_sql -%}
    select distinct
        calendar_periods.period_type,
        calendar_periods.period_start,
        calendar_periods.period_end
    from (
        select month_start::date as month_start
        from generate_series(
            date '{{ var("dim_date_start") }}', date '{{ calendar_end() }}', interval '1 month'
        ) as month_start
    ) as months
    cross join lateral (
        values
            (
                'month',
                months.month_start,
                (months.month_start + interval '1 month - 1 day')::date
            ),
            (
                'quarter',
                date_trunc('quarter', months.month_start)::date,
                (date_trunc('quarter', months.month_start) + interval '3 months - 1 day')::date
            ),
            (
                'half_year',
                make_date(
                    extract(year from months.month_start)::int,
                    case when extract(month from months.month_start) <= 6 then 1 else 7 end,
                    1
                ),
                (make_date(
                    extract(year from months.month_start)::int,
                    case when extract(month from months.month_start) <= 6 then 1 else 7 end,
                    1
                ) + interval '6 months - 1 day')::date
            ),
            (
                'year',
                date_trunc('year', months.month_start)::date,
                (date_trunc('year', months.month_start) + interval '1 year - 1 day')::date
            )
    ) as calendar_periods (period_type, period_start, period_end)
{%- endset -%}

{#- restated on the units valid at build time (today's geography) -#}
{%- set geography_sql -%}
    select current_date
{%- endset -%}

{{ indicator_values_sql(periods_sql, geography_sql) }}
