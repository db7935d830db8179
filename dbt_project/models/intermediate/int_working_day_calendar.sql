{{ config(indexes=[{'columns': ['calendar_date'], 'unique': true}, {'columns': ['working_day_seq']}]) }}

{#- One row per calendar day of dim_date's range: weekend, public holiday (seed
    public_holidays_vn, generated from the `holidays` package) and the running count of working
    days, so that "the n-th working day after d" is one equality join:
    working_day_seq = seq(d) + n and is_working_day. -#}

with

days as (

    select day::date as calendar_date
    from generate_series(
        date '{{ var("dim_date_start") }}', date '{{ calendar_end() }}', interval '1 day'
    ) as day

),

holidays as (

    select
        holiday_date::date as holiday_date,
        min(holiday_name::text) as holiday_name
    from {{ ref('public_holidays_vn') }}
    group by 1

),

flagged as (

    select
        days.calendar_date,
        extract(isodow from days.calendar_date) >= 6 as is_weekend,
        holidays.holiday_date is not null as is_public_holiday,
        holidays.holiday_name

    from days
    left join holidays
        on days.calendar_date = holidays.holiday_date

),

final as (

    select
        calendar_date,
        is_weekend,
        is_public_holiday,
        holiday_name,
        not is_weekend and not is_public_holiday as is_working_day,
        -- working days up to and including this day
        count(*) filter (where not is_weekend and not is_public_holiday)
            over (order by calendar_date) as working_day_seq

    from flagged

)

select * from final
