-- Restating through the crosswalk keeps every total: for each indicator, period and breakdown,
-- the restated communes (geography on today's units) sum to the reported communes that name a
-- unit version, and the restated province to the reported provinces, numerator and denominator
-- each. Returns the rows that differ.
{{ config(tags=['indicators']) }}

with

level_sums as (

    select
        indicator_code,
        period_type,
        period_start,
        breakdown,
        breakdown_value,
        area_level,
        geography = 'as_reported' as is_reported,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from {{ ref('indicator_values') }}
    where area_level in ('province', 'commune')
        and area_valid_from is not null
    group by 1, 2, 3, 4, 5, 6, 7

),

reported as (

    select * from level_sums where is_reported

),

restated as (

    select * from level_sums where not is_reported

)

select
    coalesce(reported.indicator_code, restated.indicator_code) as indicator_code,
    coalesce(reported.period_type, restated.period_type) as period_type,
    coalesce(reported.period_start, restated.period_start) as period_start,
    coalesce(reported.area_level, restated.area_level) as area_level,
    reported.numerator as reported_numerator,
    restated.numerator as restated_numerator,
    reported.denominator as reported_denominator,
    restated.denominator as restated_denominator
from reported
full join restated
    on reported.indicator_code = restated.indicator_code
    and reported.period_type = restated.period_type
    and reported.period_start = restated.period_start
    and reported.breakdown = restated.breakdown
    and reported.breakdown_value = restated.breakdown_value
    and reported.area_level = restated.area_level
where reported.numerator is distinct from restated.numerator
    or reported.denominator is distinct from restated.denominator
