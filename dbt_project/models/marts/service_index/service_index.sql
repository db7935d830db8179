{{
    config(
        pre_hook="set local work_mem = '{{ var(\"indicator_work_mem\") }}'",
        post_hook="{{ record_figure_revisions() }}",
        indexes=[
            {'columns': ['period_type', 'period_start', 'unit_type', 'unit_code']},
            {'columns': ['unit_code']},
        ],
    )
}}

{#- The Decision 766 service index (docs/service_index.md): one row per period (month, quarter,
    half-year, year) x unit (the province, each handling agency, each district and commune for the
    dossiers their agencies handle) x component of the six groups x geography ('as_reported', or
    the province and communes restated on today's units, e.g. '2025-07-01'). Dossier components are counted
    from int_dossier_service_rules' flags through fct_dossier (the rules exist once); the two
    procedure components are indicator_values' province figures. Components without data say
    why in null_reason; their points are null, never guessed. -#}

with

dossiers as (

    select
        dossier_code,
        agency_code,
        province_code,
        district_code,
        commune_code,
        received_date,
        is_online,
        is_fully_online_procedure,
        is_online_payment_scope,
        is_paid_online,
        requires_result_document,
        has_e_result,
        is_digitised_dossier,
        has_reused_data,
        uses_population_data,
        ended_at,
        is_on_time,
        on_time_until

    from {{ ref('fct_dossier') }}
    where received_date is not null

),

periods as (

    {{ calendar_periods_of_months(
        "select distinct date_trunc('month', received_date)::date from " ~ ref('fct_dossier')
        ~ " where received_date is not null"
    ) }}

),

period_days as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        period_day::date as received_date
    from periods
    cross join lateral generate_series(periods.period_start, periods.period_end, interval '1 day')
        as period_day

),

components as (

    select * from {{ ref('service_index_components') }}

),

----------  dossier components: parts per period and handling agency

agency_period_counts as (

    select
        period_days.period_type,
        period_days.period_start,
        period_days.period_end,
        dossiers.agency_code,
        dossiers.province_code,
        dossiers.district_code,
        dossiers.commune_code,
        count(*) as received,
        count(*) filter (where {{ dossier_on_time_in_period('period_days.period_end', 'dossiers.') }})
            as on_time,
        count(*) filter (where dossiers.is_online) as received_online,
        count(*) filter (where dossiers.is_fully_online_procedure) as fully_online_scope,
        count(*) filter (where dossiers.is_fully_online_procedure and dossiers.is_online)
            as fully_online,
        count(*) filter (where dossiers.is_online_payment_scope) as payment_scope,
        count(*) filter (where dossiers.is_online_payment_scope and dossiers.is_paid_online)
            as paid_online,
        count(*) filter (where dossiers.requires_result_document) as result_document_required,
        count(*) filter (where dossiers.requires_result_document and dossiers.has_e_result)
            as e_result,
        count(*) filter (where dossiers.is_digitised_dossier) as digitised,
        count(*) filter (where dossiers.has_reused_data) as reused_data,
        count(*) filter (where dossiers.uses_population_data) as population_data

    from period_days
    inner join dossiers
        on period_days.received_date = dossiers.received_date
    group by 1, 2, 3, 4, 5, 6, 7

),

unit_period_counts as (

    select
        counts.period_type,
        counts.period_start,
        counts.period_end,
        units.unit_type,
        units.unit_code,
        sum(counts.received) as received,
        sum(counts.on_time) as on_time,
        sum(counts.received_online) as received_online,
        sum(counts.fully_online_scope) as fully_online_scope,
        sum(counts.fully_online) as fully_online,
        sum(counts.payment_scope) as payment_scope,
        sum(counts.paid_online) as paid_online,
        sum(counts.result_document_required) as result_document_required,
        sum(counts.e_result) as e_result,
        sum(counts.digitised) as digitised,
        sum(counts.reused_data) as reused_data,
        sum(counts.population_data) as population_data

    from agency_period_counts as counts
    -- an agency's dossiers count for the agency, its commune and district (areas as in
    -- indicator_values) and the province
    cross join lateral (
        values
            ('province', counts.province_code),
            ('agency', counts.agency_code),
            ('district', counts.district_code),
            ('commune', counts.commune_code)
    ) as units (unit_type, unit_code)
    where units.unit_code is not null
    group by 1, 2, 3, 4, 5

),

dossier_component_values as (

    select
        counts.period_type,
        counts.period_start,
        counts.period_end,
        counts.unit_type,
        counts.unit_code,
        parts.component_code,
        parts.numerator,
        parts.denominator

    from unit_period_counts as counts
    cross join lateral (
        values
            ('ON_TIME', counts.on_time, counts.received),
            ('ONLINE_INTAKE', counts.received_online, counts.received),
            ('FULLY_ONLINE', counts.fully_online, counts.fully_online_scope),
            ('ONLINE_PAYMENT', counts.paid_online, counts.payment_scope),
            ('E_RESULT', counts.e_result, counts.result_document_required),
            ('DIGITISED', counts.digitised, counts.received),
            ('REUSED_DATA', counts.reused_data, counts.received),
            ('POPULATION_DATA', counts.population_data, counts.received)
    ) as parts (component_code, numerator, denominator)

),

----------  procedure components: the province's catalogue, from indicator_values

procedure_component_values as (

    select
        indicator_values.period_type,
        indicator_values.period_start,
        indicator_values.period_end,
        'province' as unit_type,
        indicator_values.area_code as unit_code,
        components.component_code,
        indicator_values.numerator,
        indicator_values.denominator

    from {{ ref('indicator_values') }} as indicator_values
    inner join components
        on indicator_values.indicator_code = components.indicator_code
        and components.unit_scope = 'province'
    where indicator_values.area_level = 'province'
        and indicator_values.geography = 'as_reported'
        and indicator_values.breakdown = 'total'
        and indicator_values.period_type in ('month', 'quarter', 'half_year', 'year')

),

reported_values as (

    select * from dossier_component_values
    union all
    select * from procedure_component_values

),

----------  the same components restated on today's units (docs/geography.md): the province's
----------  and the communes' numerators and denominators re-aggregated through the crosswalk

administrative_units as (

    select * from {{ ref('dim_administrative_unit') }}

),

-- each reported area's version in its period, as in indicator_values_sql
reported_versions as (

    select distinct on (areas.period_start, areas.period_end, areas.unit_type, areas.unit_code)
        areas.period_start,
        areas.period_end,
        areas.unit_type,
        areas.unit_code,
        administrative_units.unit_key

    from (
        select distinct period_start, period_end, unit_type, unit_code
        from reported_values
        where unit_type in ('province', 'commune')
    ) as areas
    inner join administrative_units
        on areas.unit_code = administrative_units.unit_code
        and areas.unit_type = administrative_units.unit_level
        and administrative_units.valid_from <= areas.period_end
    order by areas.period_start, areas.period_end, areas.unit_type, areas.unit_code,
        (administrative_units.valid_to is null
            or areas.period_start < administrative_units.valid_to) desc,
        administrative_units.valid_from desc

),

todays_geography as (

    select max(valid_from)::text as geography
    from administrative_units
    where valid_from <= current_date

),

restated_values as (

    select
        reported_values.period_type,
        reported_values.period_start,
        reported_values.period_end,
        reported_values.unit_type,
        crosswalk.to_unit_code as unit_code,
        reported_values.component_code,
        sum(reported_values.numerator * crosswalk.weight) as numerator,
        sum(reported_values.denominator * crosswalk.weight) as denominator,
        todays_geography.geography

    from reported_values
    inner join reported_versions
        on reported_values.period_start = reported_versions.period_start
        and reported_values.period_end = reported_versions.period_end
        and reported_values.unit_type = reported_versions.unit_type
        and reported_values.unit_code = reported_versions.unit_code
    inner join {{ ref('admin_unit_crosswalk') }} as crosswalk
        on reported_versions.unit_key = crosswalk.from_unit_key
        and crosswalk.to_unit_level = reported_values.unit_type
        and crosswalk.to_valid_from <= current_date
        and (crosswalk.to_valid_to is null or current_date < crosswalk.to_valid_to)
    cross join todays_geography
    group by 1, 2, 3, 4, 5, 6, 9

),

component_values as (

    select *, 'as_reported'::text as geography from reported_values
    union all
    select * from restated_values

),

units as (

    select distinct
        period_type,
        period_start,
        period_end,
        unit_type,
        unit_code,
        geography,
        -- a unit is named by its version on the period's end, or on today's units by today's
        case when geography = 'as_reported' then period_end else current_date end as named_on
    from component_values

),

unit_names as (

    select
        'agency' as unit_type,
        agency_code as unit_code,
        agency_name as unit_name,
        null::date as valid_from,
        null::date as valid_to
    from {{ ref('dim_agency') }}
    union all
    select unit_level, unit_code, unit_name_with_type, valid_from, valid_to
    from {{ ref('dim_administrative_unit') }}

),

scored as (

    select
        units.period_type,
        units.period_start,
        units.period_end,
        units.unit_type,
        units.unit_code,
        unit_names.unit_name,
        components.group_code::text as group_code,
        components.group_order::int as group_order,
        components.group_name_vi::text as group_name_vi,
        components.group_name_en::text as group_name_en,
        components.group_max_points::numeric as group_max_points,
        components.component_code::text as component_code,
        components.component_order::int as component_order,
        components.component_name_vi::text as component_name_vi,
        components.component_name_en::text as component_name_en,
        nullif(components.indicator_code::text, '') as indicator_code,
        component_values.numerator::numeric as numerator,
        component_values.denominator::numeric as denominator,
        case
            when component_values.denominator > 0
                then round(100.0 * component_values.numerator / component_values.denominator, 4)
        end as rate,
        components.full_at_rate::numeric as full_at_rate,
        components.max_points::numeric as max_points,
        case
            when components.unit_scope = 'none'
                then components.null_reason::text
            when components.unit_scope = 'province' and units.unit_type <> 'province'
                then 'counted over the province''s procedure catalogue; procedures are not '
                    || 'attributed to a unit below the province'
            when component_values.denominator is null or component_values.denominator = 0
                then 'no dossier of this unit and period is in the denominator'
        end as null_reason,
        units.geography

    from units
    cross join components
    left join component_values
        on units.period_type = component_values.period_type
        and units.period_start = component_values.period_start
        and units.unit_type = component_values.unit_type
        and units.unit_code = component_values.unit_code
        and units.geography = component_values.geography
        and components.component_code = component_values.component_code
    -- an area's name is its version's at the period's end, or today's on today's units (codes
    -- are reused)
    left join unit_names
        on units.unit_type = unit_names.unit_type
        and units.unit_code = unit_names.unit_code
        and (unit_names.valid_from is null or {{ unit_valid_on('unit_names', 'units.named_on') }})

),

final as (

    select
        *,
        case
            when null_reason is null
                then {{ service_index_points('rate', 'full_at_rate', 'max_points') }}
        end as points

    from scored

)

select * from final
