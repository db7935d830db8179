{#- Creates marts.indicator_values_between(from_date, to_date): the indicators of
    `indicator_values` for any range of days (period_type 'range'), from the same macro, reading
    the built marts tables at call time. Run as a post-hook of `indicator_values`.

    The body is a plain string (not BEGIN ATOMIC) on purpose: its tables are looked up when it is
    called, so rebuilding fct_dossier or dim_procedure (drop and rename) never drops the function. -#}
{% macro create_indicator_values_between(schema) -%}
    {%- set periods_sql -%}
        select 'range'::text, from_date, to_date
    {%- endset -%}
    {%- set geography_sql -%}
        select geography_date
    {%- endset -%}
-- dropped first: `create or replace` cannot change the columns of an older version
drop function if exists {{ adapter.quote(schema) }}.indicator_values_between(date, date);
drop function if exists {{ adapter.quote(schema) }}.indicator_values_between(date, date, date);
create function {{ adapter.quote(schema) }}.indicator_values_between(
    from_date date, to_date date, geography_date date default current_date
)
returns table (
    indicator_code text,
    period_type text,
    period_start date,
    period_end date,
    area_level text,
    area_code text,
    breakdown text,
    breakdown_value text,
    numerator numeric,
    denominator numeric,
    value numeric,
    target numeric,
    meets_target boolean,
    geography text,
    area_valid_from date
)
language sql
stable
set work_mem = '{{ var("indicator_work_mem") }}'
as $indicator_values_between$
{{ indicator_values_sql(periods_sql, geography_sql) }}
$indicator_values_between$;
comment on function {{ adapter.quote(schema) }}.indicator_values_between(date, date, date) is
'Chỉ số cho một khoảng ngày bất kỳ [from_date, to_date] (cùng định nghĩa với marts.indicator_values), theo địa bàn lúc báo cáo (geography = as_reported) và theo đơn vị hành chính hiệu lực ngày geography_date (mặc định hôm nay). / The indicators for any range of days [from_date, to_date], same definition as marts.indicator_values (period_type = range), on the areas as reported (geography = as_reported) and restated on the units valid on geography_date (default today).'
{%- endmacro %}
