with

days as (

    select calendar_day::date as date_day
    from generate_series(
        date '{{ var("dim_date_start") }}',
        date '{{ calendar_end() }}',
        interval '1 day'
    ) as calendar_day

),

final as (

    select
        date_day,
        extract(year from date_day)::int as year_number,
        extract(quarter from date_day)::int as quarter_number,
        case when extract(month from date_day) <= 6 then 1 else 2 end as half_year_number,
        extract(month from date_day)::int as month_number,
        extract(day from date_day)::int as day_of_month,
        extract(isodow from date_day)::int as iso_weekday,
        extract(week from date_day)::int as iso_week,
        (array['Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy', 'Chủ Nhật'])
            [extract(isodow from date_day)::int] as weekday_name_vi,
        (array['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'])
            [extract(isodow from date_day)::int] as weekday_name_en,
        extract(isodow from date_day) >= 6 as is_weekend,
        'Tháng ' || extract(month from date_day)::int || '/' || extract(year from date_day)::int
            as month_name_vi,
        date_trunc('month', date_day)::date as month_start,
        (date_trunc('month', date_day) + interval '1 month - 1 day')::date as month_end,
        date_trunc('quarter', date_day)::date as quarter_start,
        (date_trunc('quarter', date_day) + interval '3 months - 1 day')::date as quarter_end,
        make_date(
            extract(year from date_day)::int, case when extract(month from date_day) <= 6 then 1 else 7 end, 1
        ) as half_year_start,
        (make_date(
            extract(year from date_day)::int, case when extract(month from date_day) <= 6 then 1 else 7 end, 1
        ) + interval '6 months - 1 day')::date as half_year_end,
        date_trunc('year', date_day)::date as year_start,
        (date_trunc('year', date_day) + interval '1 year - 1 day')::date as year_end

    from days

)

select * from final
