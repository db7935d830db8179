-- The SQL function and the model come from one macro: for the model's three fullest quarters
-- (the most rows: every domain with data in them) the function must return exactly the model's
-- rows (period_type aside). Rows of either side missing from the other are returned as failures.
-- Three, not all: the model carries stock indicators through every quarter of dim_date (28), and
-- one call of the function reads every fact (about 2 s on the demo half-year).
{{ config(tags=['indicators']) }}

with

all_quarter_rows as (

    select
        indicator_code, period_start, period_end, geography, area_level, area_code,
        numerator, denominator, value, target, meets_target
    from {{ ref('indicator_values') }}
    where period_type = 'quarter'

),

quarters as (

    select period_start, period_end
    from all_quarter_rows
    group by period_start, period_end
    order by count(*) desc, period_start
    limit 3

),

model_rows as (

    select all_quarter_rows.*
    from all_quarter_rows
    inner join quarters using (period_start, period_end)

),

function_rows as (

    select
        between_rows.indicator_code, between_rows.period_start, between_rows.period_end,
        between_rows.geography, between_rows.area_level, between_rows.area_code, between_rows.numerator,
        between_rows.denominator, between_rows.value, between_rows.target, between_rows.meets_target
    from quarters
    cross join lateral {{ ref('indicator_values').schema }}.indicator_values_between(
        quarters.period_start, quarters.period_end
    ) as between_rows

),

only_in_model as (

    select 'only in model' as side, * from (select * from model_rows except select * from function_rows) as m

),

only_in_function as (

    select 'only in function' as side, * from (select * from function_rows except select * from model_rows) as f

)

select * from only_in_model
union all
select * from only_in_function
