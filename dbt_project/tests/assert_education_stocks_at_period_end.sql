-- The education rules over time (docs/education_source.md), province totals: a stock
-- (GD_E_RECORD_SCHOOL_RATE, GD_ONLINE_CLASSROOM_SCHOOLS) of a quarter, half-year or year equals
-- its value in the period's last month with workbooks, never a sum (per province: the former
-- Bac Ninh's system reports its own until June 2025); the cashless tuition rate's
-- parts equal the sums of its months. Returns the rows that differ.
with

indicator_values as (

    select * from {{ ref('indicator_values') }}
    where indicator_code like 'GD\_%'
        and area_level = 'province'
        and breakdown = 'total'
        and geography = 'as_reported'

),

months as (

    select * from indicator_values where period_type = 'month'

),

longer_periods as (

    select * from indicator_values where period_type in ('quarter', 'half_year', 'year')

),

expected as (

    select
        longer_periods.indicator_code,
        longer_periods.area_code,
        longer_periods.period_type,
        longer_periods.period_start,
        case
            when longer_periods.indicator_code = 'GD_CASHLESS_TUITION_RATE'
                then sum(months.numerator)
            else (array_agg(months.numerator order by months.period_start desc))[1]
        end as numerator,
        case
            when longer_periods.indicator_code = 'GD_CASHLESS_TUITION_RATE'
                then sum(months.denominator)
            else (array_agg(months.denominator order by months.period_start desc))[1]
        end as denominator
    from longer_periods
    inner join months
        on longer_periods.indicator_code = months.indicator_code
        and longer_periods.area_code = months.area_code
        and months.period_start between longer_periods.period_start and longer_periods.period_end
    group by 1, 2, 3, 4

),

final as (

    select
        longer_periods.indicator_code,
        longer_periods.area_code,
        longer_periods.period_type,
        longer_periods.period_start,
        longer_periods.numerator,
        longer_periods.denominator,
        expected.numerator as expected_numerator,
        expected.denominator as expected_denominator
    from longer_periods
    left join expected
        on longer_periods.indicator_code = expected.indicator_code
        and longer_periods.area_code = expected.area_code
        and longer_periods.period_type = expected.period_type
        and longer_periods.period_start = expected.period_start
    where (longer_periods.numerator, longer_periods.denominator)
        is distinct from (expected.numerator, expected.denominator)

)

select * from final
