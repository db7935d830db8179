{#- Police cumulative series (docs/police_source.md): in fct_citizen_id_daily, per commune and
    year, cumulative CCCD applications never go down from one loaded day to the next (a restated
    day replaced the earlier figure, so the series is consistent again), and cards returned never
    exceed cards received from the ministry; priority groups are part of the day's applications.
    A series is a commune version's: a code another unit took over (on 2025-07-01 a commune of the
    new province, in another system than the former Bac Ninh's commune of that code) starts its
    own. -#}
with

ordered as (

    select
        commune_code,
        report_date,
        cumulative_cccd_applications,
        lag(cumulative_cccd_applications) over (
            partition by coalesce(commune_unit_key, commune_code), extract(year from report_date)
            order by report_date
        ) as previous_cumulative,
        cumulative_cards_received,
        cumulative_cards_returned,
        cccd_applications,
        cccd_applications_priority_1 + cccd_applications_priority_2 as priority_applications
    from {{ ref('fct_citizen_id_daily') }}

)

select *
from ordered
where cumulative_cccd_applications < previous_cumulative
    or cumulative_cards_returned > cumulative_cards_received
    or priority_applications > cccd_applications
