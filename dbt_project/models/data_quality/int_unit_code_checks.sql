{{ config(materialized='table', schema='intermediate') }}

{#- Every administrative-unit code a source sent, checked against the version valid on the
    record's own day (dim_administrative_unit): one row per source, entity, level, code and
    verdict with the days and records concerned. Verdicts other than 'valid':
    - code_of_another_period: the code names a unit of that level, but not on that day (an old
      code sent after a reform, or a new one before it). Indicators resolve it through the
      crosswalk (the code's last version before the day carried forward); `resolved_to` names the
      units it lands in.
    - unknown_code: the code names no unit of that level at any date. It is never joined to a
      unit; `nearest_versions` lists the valid units of the level on the last such day whose
      codes are closest. -#}
with

usage as (

    select
        'portal' as source, 'dossiers' as entity, 'commune' as unit_level,
        commune_code as unit_code, received_date as event_date, count(*) as records
    from {{ ref('fct_dossier') }}
    where commune_code is not null and received_date is not null
    group by 1, 2, 3, 4, 5

    union all

    -- the applicant's commune, as the source sent it (MaXaChuHoSo)
    select 'portal', 'dossiers_applicant', 'commune', applicant_commune_code, received_date, count(*)
    from {{ ref('fct_dossier') }}
    where applicant_commune_code is not null and received_date is not null
    group by 1, 2, 3, 4, 5

    union all

    select 'portal', 'dossiers', 'district', district_code, received_date, count(*)
    from {{ ref('fct_dossier') }}
    where district_code is not null and received_date is not null
    group by 1, 2, 3, 4, 5

    union all

    select 'police', 'daily', 'commune', commune_code, report_date, count(*)
    from {{ ref('fct_citizen_id_daily') }}
    where commune_code is not null
    group by 1, 2, 3, 4, 5

),

units as (

    select * from {{ ref('dim_administrative_unit') }}

),

checked as (

    select
        usage.*,
        case
            when exists (
                select from units
                where units.unit_code = usage.unit_code
                    and units.unit_level = usage.unit_level
                    and {{ unit_valid_on('units', 'usage.event_date') }}
            ) then 'valid'
            when exists (
                select from units
                where units.unit_code = usage.unit_code and units.unit_level = usage.unit_level
            ) then 'code_of_another_period'
            else 'unknown_code'
        end as verdict
    from usage

),

grouped as (

    select
        source,
        entity,
        unit_level,
        unit_code,
        verdict,
        min(event_date) as first_day,
        max(event_date) as last_day,
        count(*) as days,
        sum(records) as records
    from checked
    group by 1, 2, 3, 4, 5

),

final as (

    select
        grouped.*,
        (
            select string_agg(
                crosswalk.to_unit_code || ' ' || crosswalk.to_unit_name
                    || case when crosswalk.weight <> 1 then ' (' || crosswalk.weight || ')' else '' end,
                ', ' order by crosswalk.to_unit_code
            )
            from {{ ref('admin_unit_crosswalk') }} as crosswalk
            where grouped.verdict = 'code_of_another_period'
                and crosswalk.from_unit_code = grouped.unit_code
                and crosswalk.from_unit_level = grouped.unit_level
                and crosswalk.to_unit_level = grouped.unit_level
                and crosswalk.from_valid_from = (
                    select max(units.valid_from) from units
                    where units.unit_code = grouped.unit_code
                        and units.unit_level = grouped.unit_level
                        and units.valid_from <= grouped.last_day
                )
                and crosswalk.to_valid_from <= grouped.last_day
                and (crosswalk.to_valid_to is null or grouped.last_day < crosswalk.to_valid_to)
        ) as resolved_to,
        (
            select string_agg(
                nearest.unit_code || ' ' || nearest.unit_name_with_type
                    || ' (from ' || nearest.valid_from || ')', ', '
                order by nearest.distance nulls last, nearest.unit_code
            )
            from (
                select
                    units.unit_code,
                    units.unit_name_with_type,
                    units.valid_from,
                    case when units.unit_code ~ '^[0-9]+$' and grouped.unit_code ~ '^[0-9]+$'
                        then abs(units.unit_code::bigint - grouped.unit_code::bigint)
                    end as distance
                from units
                where grouped.verdict = 'unknown_code'
                    and units.unit_level = grouped.unit_level
                    and {{ unit_valid_on('units', 'grouped.last_day') }}
                order by distance nulls last, units.unit_code
                limit 3
            ) as nearest
        ) as nearest_versions
    from grouped

)

select * from final
