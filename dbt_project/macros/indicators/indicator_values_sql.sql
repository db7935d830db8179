{#- The one definition of `marts.indicator_values`, for any set of periods: the union of the
    source domains' indicator parts (one macro `indicator_values__<domain>(periods_sql)` per
    domain listed in the var `indicator_domains`), joined to the registry for the unit, the value
    and the target. Used by the `indicator_values` model (calendar periods) and by the function
    `marts.indicator_values_between(from_date, to_date)` (any range of days).

    periods_sql: a query yielding rows (period_type, period_start, period_end), dates inclusive.

    A domain macro returns, for the periods it has data in: indicator_code, period_type,
    period_start, period_end, area_level, area_code, breakdown, breakdown_value, numerator,
    denominator ('total' / 'total' for the undivided rows). It counts every area and period from
    its facts, never from other rates; a stock (a count at an instant) takes its value at
    period_end. -#}
{% macro indicator_values_sql(periods_sql) -%}
with

parts as (

    {% for domain in var('indicator_domains') -%}
    {%- set domain_macro = context.get('indicator_values__' ~ domain) -%}
    {%- if domain_macro is none -%}
        {{ exceptions.raise_compiler_error(
            "indicator domain '" ~ domain ~ "' (var indicator_domains) has no macro indicator_values__"
            ~ domain ~ "(periods_sql) in macros/indicators/") }}
    {%- endif %}
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
    from (
        {{ domain_macro(periods_sql) }}
    ) as {{ adapter.quote(domain ~ '_parts') }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

registry as (

    select
        code::text as indicator_code,
        unit::text as unit,
        target_2022::numeric as target_2022
    from {{ ref('indicator_registry') }}

),

valued as (

    select
        registry.indicator_code,
        parts.period_type::text as period_type,
        parts.period_start::date as period_start,
        parts.period_end::date as period_end,
        parts.area_level::text as area_level,
        parts.area_code::text as area_code,
        parts.breakdown::text as breakdown,
        parts.breakdown_value::text as breakdown_value,
        parts.numerator::numeric as numerator,
        parts.denominator::numeric as denominator,
        case
            when registry.unit <> 'percent' then parts.numerator::numeric
            when parts.denominator > 0
                then round(100.0 * parts.numerator / parts.denominator, 4)
        end as value,
        case
            when parts.period_start >= date '2022-01-01'
                and parts.period_end <= date '2022-12-31'
                then registry.target_2022
        end as target

    from parts
    inner join registry
        on parts.indicator_code = registry.indicator_code

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
        denominator,
        value,
        target,
        value >= target as meets_target

    from valued

)

select * from final
{%- endmacro %}
