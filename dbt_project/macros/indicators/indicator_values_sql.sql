{#- The one definition of `marts.indicator_values`, for any set of periods: the union of the
    source domains' indicator parts (one macro `indicator_values__<domain>(periods_sql)` per
    domain listed in the var `indicator_domains`), joined to the registry for the unit, the value
    and the target. Used by the `indicator_values` model (calendar periods) and by the function
    `marts.indicator_values_between(from_date, to_date)` (any range of days).

    periods_sql: a query yielding rows (period_type, period_start, period_end), dates inclusive.
    geography_sql: a query yielding one date: the rows are given on the areas as they were
    reported (geography 'as_reported') and restated on the units valid on that date (geography
    = the first day of the geography in force then, e.g. '2025-07-01'). A restated row is the
    sum, through marts.admin_unit_crosswalk, of the reported rows of the same level (province
    or commune) whose version became it, numerator and denominator each weighted: rates are
    recomputed, never averaged. District rows are not restated (the district tier ends on
    2025-07-01: their dossiers are in the province's row).

    A domain macro returns, for the periods it has data in: indicator_code, period_type,
    period_start, period_end, area_level, area_code, breakdown, breakdown_value, numerator,
    denominator ('total' / 'total' for the undivided rows). It counts every area and period from
    its facts, never from other rates; a stock (a count at an instant) takes its value at
    period_end. -#}
{% macro indicator_values_sql(periods_sql, geography_sql) -%}
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

units as (

    select * from {{ ref('dim_administrative_unit') }}

),

-- the version of each reported area in its period: the latest of those valid in the period
-- (a period can overlap two versions of a reused code: the earlier became the later); for a
-- code valid in no version of the period (an old code sent after a reform), its last version
-- before the period, which the crosswalk carries forward (data_quality_issues flags it)
reported_versions as (

    select distinct on (areas.period_start, areas.period_end, areas.area_level, areas.area_code)
        areas.period_start,
        areas.period_end,
        areas.area_level,
        areas.area_code,
        units.unit_key,
        units.valid_from as area_valid_from

    from (
        select distinct period_start, period_end, area_level, area_code from parts
    ) as areas
    inner join units
        on areas.area_code = units.unit_code
        and areas.area_level = units.unit_level
        and units.valid_from <= areas.period_end
    order by areas.period_start, areas.period_end, areas.area_level, areas.area_code,
        (units.valid_to is null or areas.period_start < units.valid_to) desc,
        units.valid_from desc

),

geography as (

    select
        given.geography_on::date as geography_on,
        (
            select max(units.valid_from) from units where units.valid_from <= given.geography_on
        )::text as geography
    from ({{ geography_sql }}) as given (geography_on)

),

crosswalk as (

    select * from {{ ref('admin_unit_crosswalk') }}

),

restated as (

    select
        parts.indicator_code,
        parts.period_type,
        parts.period_start,
        parts.period_end,
        parts.area_level,
        crosswalk.to_unit_code as area_code,
        parts.breakdown,
        parts.breakdown_value,
        sum(parts.numerator * crosswalk.weight) as numerator,
        sum(parts.denominator * crosswalk.weight) as denominator,
        geography.geography,
        crosswalk.to_valid_from as area_valid_from

    from parts
    inner join reported_versions
        on parts.period_start = reported_versions.period_start
        and parts.period_end = reported_versions.period_end
        and parts.area_level = reported_versions.area_level
        and parts.area_code = reported_versions.area_code
    inner join crosswalk
        on reported_versions.unit_key = crosswalk.from_unit_key
    cross join geography
    where parts.area_level in ('province', 'commune')
        and crosswalk.to_unit_level = parts.area_level
        and crosswalk.to_valid_from <= geography.geography_on
        and (crosswalk.to_valid_to is null or geography.geography_on < crosswalk.to_valid_to)
    group by 1, 2, 3, 4, 5, 6, 7, 8, 11, 12

),

all_geographies as (

    select
        parts.indicator_code,
        parts.period_type,
        parts.period_start,
        parts.period_end,
        parts.area_level,
        parts.area_code,
        parts.breakdown,
        parts.breakdown_value,
        parts.numerator,
        parts.denominator,
        'as_reported' as geography,
        reported_versions.area_valid_from
    from parts
    left join reported_versions
        on parts.period_start = reported_versions.period_start
        and parts.period_end = reported_versions.period_end
        and parts.area_level = reported_versions.area_level
        and parts.area_code = reported_versions.area_code

    union all

    select * from restated

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
        parts.geography::text as geography,
        parts.area_valid_from::date as area_valid_from,
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

    from all_geographies as parts
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
        value >= target as meets_target,
        geography,
        area_valid_from

    from valued

)

select * from final
{%- endmacro %}
