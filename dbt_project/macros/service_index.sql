{#- Calendar periods (month, quarter, half-year, year) of the months that `months_sql` yields
    (one column, the first day of a month): rows (period_type, period_start, period_end), dates
    inclusive. Used by the service-index marts; indicator_values builds the same periods. -#}
{% macro calendar_periods_of_months(months_sql) -%}
    select distinct
        calendar_periods.period_type::text as period_type,
        calendar_periods.period_start::date as period_start,
        (calendar_periods.period_start + calendar_periods.length - interval '1 day')::date
            as period_end
    from ({{ months_sql }}) as months (month_start)
    cross join lateral (
        values
            ('month', months.month_start::date, interval '1 month'),
            ('quarter', date_trunc('quarter', months.month_start)::date, interval '3 months'),
            (
                'half_year',
                make_date(
                    extract(year from months.month_start)::int,
                    case when extract(month from months.month_start) <= 6 then 1 else 7 end,
                    1
                ),
                interval '6 months'
            ),
            ('year', date_trunc('year', months.month_start)::date, interval '1 year')
    ) as calendar_periods (period_type, period_start, length)
{%- endmacro %}


{#- Points of one component: linear in the rate up to the rate that earns full points. -#}
{% macro service_index_points(rate, full_at_rate, max_points) -%}
    round({{ max_points }} * least({{ rate }} / nullif({{ full_at_rate }}, 0), 1), 2)
{%- endmacro %}


{#- After marts.service_index is built (and so marts.indicator_values, which it depends on):
    record a revision for every figure of a closed period that the build changed
    (include/dti/periods.py creates the function at the first `dti close`; before that there is
    nothing closed and the hook does nothing). -#}
{% macro record_figure_revisions() -%}
    do $$
    begin
        if to_regprocedure('ops.record_figure_revisions()') is not null then
            perform ops.record_figure_revisions();
        end if;
    end
    $$
{%- endmacro %}
