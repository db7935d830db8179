-- Roll-ups over time recompute numerator and denominator: for the dossier-count indicators
-- (whose membership does not depend on the period's end), every quarter, half-year and year
-- equals the sum of its months, area by area, on the areas as reported and on today's units.
-- Returns the rows that differ.
with

indicator_values as (

    select * from {{ ref('indicator_values') }}
    where indicator_code in (
        'DVC_ONLINE_INTAKE_RATE',
        'DVC_FULLY_ONLINE_RATE',
        'DVC_ONLINE_PAYMENT_RATE',
        'DVC_E_RESULT_RATE',
        'DVC_DIGITISED_DOSSIER_RATE',
        'DVC_REUSED_DATA_RATE',
        'DVC_VNEID_DOSSIER_RATE'
    )

),

months as (

    select * from indicator_values where period_type = 'month'

),

longer_periods as (

    select * from indicator_values where period_type <> 'month'

),

summed_months as (

    select
        longer_periods.indicator_code,
        longer_periods.period_type,
        longer_periods.period_start,
        longer_periods.area_level,
        longer_periods.area_code,
        longer_periods.numerator,
        longer_periods.denominator,
        longer_periods.geography,
        sum(months.numerator) as month_numerator,
        sum(months.denominator) as month_denominator
    from longer_periods
    inner join months
        on months.indicator_code = longer_periods.indicator_code
        and months.area_level = longer_periods.area_level
        and months.area_code = longer_periods.area_code
        and months.geography = longer_periods.geography
        and months.period_start between longer_periods.period_start and longer_periods.period_end
    group by 1, 2, 3, 4, 5, 6, 7, 8

)

select *
from summed_months
where numerator <> month_numerator or denominator <> month_denominator
