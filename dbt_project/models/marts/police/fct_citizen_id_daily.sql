{{ config(indexes=[{'columns': ['report_date']}, {'columns': ['commune_code', 'report_date']}]) }}

with

daily as (

    select * from {{ ref('stg_police__daily') }}

),

communes as (

    select * from {{ ref('stg_police__communes') }}

),

-- Cumulative series = the commune's opening balance of the registry row holding on the day
-- (1 January of the year, or the day a reorganisation created the unit) + the latest
-- (restated) flows since that row's first day up to the day. Recomputed here rather than taken
-- from the source's running totals, which go stale when an earlier day is restated.
with_cumulative as (

    select
        daily.*,
        communes.cccd_age_population,
        communes.vneid_target,
        communes.priority_group_1_population,
        communes.priority_group_2_population,
        communes.opening_cccd_applications
        + sum(daily.cccd_applications) over year_to_date as cumulative_cccd_applications,
        communes.opening_cards_received
        + sum(daily.cards_received) over year_to_date as cumulative_cards_received,
        communes.opening_cards_returned
        + sum(daily.cards_returned) over year_to_date as cumulative_cards_returned

    from daily
    left join communes
        on daily.commune_code = communes.commune_code
        and daily.report_date >= communes.valid_from
        and daily.report_date < communes.valid_to
    window year_to_date as (
        partition by daily.commune_code, communes.valid_from
        order by daily.report_date
        rows between unbounded preceding and current row
    )

),

-- the commune as the source sent it, resolved to the version valid on the day, and its
-- province (each system's: the former Bac Ninh's own reports carry its units, province 27)
resolved as (

    select
        with_cumulative.*,
        units.unit_key as commune_unit_key,
        units.province_code
    from with_cumulative
    left join {{ ref('dim_administrative_unit') }} as units
        on with_cumulative.commune_code = units.unit_code
        and units.unit_level = 'commune'
        and {{ unit_valid_on('units', 'with_cumulative.report_date') }}

),

final as (

    select
        commune_code,
        commune_unit_key,
        district_code,
        coalesce(province_code, '{{ var("dti_province_code") }}') as province_code,
        report_date,
        revision,
        versions_loaded,
        revision > 0 as is_restated,
        updated_at,
        cccd_applications,
        cccd_applications_priority_1,
        cccd_applications_priority_2,
        cards_received,
        cards_returned,
        vneid_level_1_applications,
        vneid_level_2_applications,
        vneid_level_1_applications + vneid_level_2_applications as vneid_applications,
        vneid_activations,
        cumulative_cccd_applications,
        cumulative_cards_received,
        cumulative_cards_returned,
        cccd_age_population,
        vneid_target,
        priority_group_1_population,
        priority_group_2_population

    from resolved

)

select * from final
