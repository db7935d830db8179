{#- School level as the sector writes it (Vietnamese label) -> level code. Levels of the
    e-record indicator: every level but preschool (primary to upper secondary and continuing
    education; a multi-level school teaches primary and lower secondary). -#}
{% macro education_level_code(column) -%}
    case lower(trim({{ column }}))
        when 'mầm non' then 'preschool'
        when 'tiểu học' then 'primary'
        when 'thcs' then 'lower_secondary'
        when 'trung học cơ sở' then 'lower_secondary'
        when 'thpt' then 'upper_secondary'
        when 'trung học phổ thông' then 'upper_secondary'
        when 'gdtx' then 'continuing'
        when 'giáo dục thường xuyên' then 'continuing'
        when 'liên cấp' then 'multi_level'
        when 'th&thcs' then 'multi_level'
        when 'thcs&thpt' then 'multi_level'
    end
{%- endmacro %}


{#- The education indicators (docs/education_source.md): the parts of the GD_* rows of the
    registry for the periods of `periods_sql`, as `indicator_values_sql` asks, by area (province,
    district, commune of the school in the registry) and breakdown ('total', and 'school_level'
    with the level code).

    A month belongs to a period when it starts in it. Stocks (GD_E_RECORD_SCHOOL_RATE,
    GD_ONLINE_CLASSROOM_SCHOOLS) are counted on the period's last month that has workbooks (the
    situation at the period's end), never summed over months; the flow GD_CASHLESS_TUITION_RATE
    sums the payments of every month of the period. Periods without workbooks give no rows; a rate
    whose denominator is 0 for an area or level (tuition-free primary schools) gives no row. -#}
{% macro indicator_values__education(periods_sql) -%}
with

periods as (

    select
        given_periods.period_type::text as period_type,
        given_periods.period_start::date as period_start,
        given_periods.period_end::date as period_end
    from ({{ periods_sql }}) as given_periods (period_type, period_start, period_end)

),

school_months as (

    select
        month_start,
        province_code,
        district_code,
        commune_code,
        coalesce(school_level, 'unknown') as school_level,
        is_e_record_level,
        uses_e_records,
        has_online_classroom,
        tuition_payments,
        cashless_payments
    from {{ ref('fct_school_month') }}

),

period_months as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        months.month_start
    from periods
    inner join (select distinct month_start from school_months) as months
        on months.month_start between periods.period_start and periods.period_end

),

stock_months as (

    select
        period_type,
        period_start,
        period_end,
        max(month_start) as month_start
    from period_months
    group by 1, 2, 3

),

stock_parts as (

    select
        stock_months.period_type,
        stock_months.period_start,
        stock_months.period_end,
        school_months.province_code,
        school_months.district_code,
        school_months.commune_code,
        school_months.school_level,
        count(*) as schools,
        count(*) filter (where school_months.is_e_record_level) as e_record_level_schools,
        count(*) filter (
            where school_months.is_e_record_level and school_months.uses_e_records
        ) as e_record_schools,
        count(*) filter (where school_months.has_online_classroom) as online_classroom_schools,
        0 as tuition_payments,
        0 as cashless_payments
    from stock_months
    inner join school_months
        on stock_months.month_start = school_months.month_start
    group by 1, 2, 3, 4, 5, 6, 7

),

flow_parts as (

    select
        period_months.period_type,
        period_months.period_start,
        period_months.period_end,
        school_months.province_code,
        school_months.district_code,
        school_months.commune_code,
        school_months.school_level,
        0 as schools,
        0 as e_record_level_schools,
        0 as e_record_schools,
        0 as online_classroom_schools,
        sum(school_months.tuition_payments) as tuition_payments,
        sum(school_months.cashless_payments) as cashless_payments
    from period_months
    inner join school_months
        on period_months.month_start = school_months.month_start
    group by 1, 2, 3, 4, 5, 6, 7

),

area_counts as (

    select
        parts.period_type,
        parts.period_start,
        parts.period_end,
        areas.area_level,
        areas.area_code,
        breakdowns.breakdown,
        breakdowns.breakdown_value,
        sum(parts.schools) as schools,
        sum(parts.e_record_level_schools) as e_record_level_schools,
        sum(parts.e_record_schools) as e_record_schools,
        sum(parts.online_classroom_schools) as online_classroom_schools,
        sum(parts.tuition_payments) as tuition_payments,
        sum(parts.cashless_payments) as cashless_payments

    from (
        select * from stock_parts
        union all
        select * from flow_parts
    ) as parts
    -- a school counts in its commune, its district and the province
    cross join lateral (
        values
            ('province', parts.province_code),
            ('district', parts.district_code),
            ('commune', parts.commune_code)
    ) as areas (area_level, area_code)
    cross join lateral (
        values
            ('total', 'total'),
            ('school_level', parts.school_level)
    ) as breakdowns (breakdown, breakdown_value)
    where areas.area_code is not null
    group by 1, 2, 3, 4, 5, 6, 7

),

final as (

    select
        indicators.indicator_code,
        area_counts.period_type,
        area_counts.period_start,
        area_counts.period_end,
        area_counts.area_level,
        area_counts.area_code,
        area_counts.breakdown,
        area_counts.breakdown_value,
        indicators.numerator,
        indicators.denominator

    from area_counts
    cross join lateral (
        values
            (
                'GD_E_RECORD_SCHOOL_RATE',
                area_counts.e_record_schools,
                area_counts.e_record_level_schools,
                area_counts.e_record_level_schools > 0
            ),
            -- a count; the schools of the area are its denominator for the share
            (
                'GD_ONLINE_CLASSROOM_SCHOOLS',
                area_counts.online_classroom_schools,
                area_counts.schools,
                area_counts.schools > 0
            ),
            (
                'GD_CASHLESS_TUITION_RATE',
                area_counts.cashless_payments,
                area_counts.tuition_payments,
                area_counts.tuition_payments > 0
            )
    ) as indicators (indicator_code, numerator, denominator, has_data)
    where indicators.has_data

)

select * from final
{%- endmacro %}
