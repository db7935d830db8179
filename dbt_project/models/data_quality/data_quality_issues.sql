{{ config(materialized='table', schema='marts', indexes=[{'columns': ['issue_type', 'source']}]) }}

{#- Suspect data before it is published (docs/service_index.md, "Data quality"):
    0. every loaded batch that carried fields the source contract does not know (new_field);
    1. every quarantined batch and every failed load in ops.load_audit, and every file of a
       file-drop source rejected as unreadable (ops.file_receipts, with its reason), with the failed rules, the
       count of bad rows and a sample when the outcome carries them (else the error text, which
       names the failed expectations), and whether a later load of the interval succeeded;
    3. administrative-unit codes a source sent that name no unit on the record's day
       (unknown_code, code_of_another_period; int_unit_code_checks);
    2. outliers: monthly indicator values of an area whose modified z-score over the area's own
       monthly history (0.6745 (x - median) / MAD, Iglewicz and Hoaglin) exceeds 3.5 in absolute
       value, over months with at least 30 in the denominator and at least 6 such months. -#}

with

audit as (

    select
        audit_id,
        batch_id,
        source,
        entity,
        interval_start,
        interval_end,
        rows,
        status,
        finished_at,
        error,
        case
            when validation_outcome::text ~ '^\s*\{' then validation_outcome::text::jsonb
        end as outcome

    from {{ source('ops', 'load_audit') }}

),

later_success as (

    select source, entity, interval_start, max(finished_at) as last_loaded_at
    from audit
    where status = 'loaded'
    group by 1, 2, 3

),

batch_issues as (

    select
        case audit.status when 'quarantined' then 'quarantined_batch' else 'failed_load' end
            as issue_type,
        audit.source,
        audit.entity,
        audit.batch_id,
        audit.interval_start,
        audit.interval_end,
        coalesce(
            (
                select string_agg(failed_rule, ', ')
                from jsonb_array_elements_text(
                    case when jsonb_typeof(audit.outcome -> 'failed') = 'array'
                        then audit.outcome -> 'failed' end
                ) as failed_rule
            ),
            nullif(split_part(split_part(audit.error, E'\n', 1), 'validation failed: ', 2), ''),
            split_part(audit.error, E'\n', 1)
        ) as rule,
        coalesce(
            nullif(audit.outcome ->> 'bad_rows', '')::bigint,
            nullif(audit.outcome ->> 'unexpected_count', '')::bigint
        ) as bad_row_count,
        audit.rows as batch_rows,
        left(coalesce(audit.outcome ->> 'samples', audit.outcome ->> 'sample', audit.error), 2000)
            as sample,
        later_success.last_loaded_at > audit.finished_at as is_resolved,
        audit.finished_at as detected_at

    from audit
    left join later_success
        on audit.source = later_success.source
        and audit.entity = later_success.entity
        and audit.interval_start = later_success.interval_start
    where audit.status in ('quarantined', 'failed')

),

-- a batch that loaded with fields the source contract does not know (kept in the landing zone,
-- not loaded): the source changed, the contract should follow
new_fields as (

    select
        'new_field' as issue_type,
        audit.source,
        audit.entity,
        audit.batch_id,
        audit.interval_start,
        audit.interval_end,
        'fields not in the source contract: ' || (
            select string_agg(new_field, ', ' order by new_field)
            from jsonb_array_elements_text(audit.outcome -> 'new_fields') as new_field
        ) as rule,
        audit.rows as batch_rows,
        audit.finished_at as detected_at

    from audit
    where audit.status = 'loaded'
        and jsonb_typeof(audit.outcome -> 'new_fields') = 'array'
        and jsonb_array_length(audit.outcome -> 'new_fields') > 0

),

-- files that could not be read are refused before any batch exists: their reason is the issue
rejected_files as (

    select
        'rejected_file' as issue_type,
        source,
        entity,
        batch_id,
        period_start as interval_start,
        period_end as interval_end,
        coalesce(unit, '(unknown)') || ': ' || file_name as rule,
        reason,
        recorded_at

    from {{ source('ops', 'file_receipts') }}
    where status = 'rejected'

),

-- codes a source sent that name no unit on the record's day (int_unit_code_checks)
unit_code_issues as (

    select * from {{ ref('int_unit_code_checks') }}
    where verdict <> 'valid'

),

monthly_values as (

    select indicator_code, area_level, area_code, period_start, period_end, value
    from {{ ref('indicator_values') }}
    where period_type = 'month'
        and geography = 'as_reported'
        and value is not null
        and breakdown = 'total'
        -- a rate over a handful of dossiers swings by chance: only months with at least 30 in
        -- the denominator (counts, which have none, are all kept)
        and (denominator is null or denominator >= 30)

),

medians as (

    select
        indicator_code,
        area_level,
        area_code,
        count(*) as history_months,
        percentile_cont(0.5) within group (order by value) as median_value

    from monthly_values
    group by 1, 2, 3

),

deviations as (

    select
        monthly_values.*,
        medians.history_months,
        medians.median_value,
        abs(monthly_values.value - medians.median_value::numeric) as abs_deviation

    from monthly_values
    inner join medians
        on monthly_values.indicator_code = medians.indicator_code
        and monthly_values.area_level = medians.area_level
        and monthly_values.area_code = medians.area_code
    -- a history too short has no meaningful median
    where medians.history_months >= 6

),

mads as (

    select
        indicator_code,
        area_level,
        area_code,
        percentile_cont(0.5) within group (order by abs_deviation) as mad

    from deviations
    group by 1, 2, 3

),

scored as (

    select
        deviations.*,
        mads.mad,
        round((0.6745 * (deviations.value - deviations.median_value::numeric)
            / nullif(mads.mad, 0)::numeric), 3) as modified_z

    from deviations
    inner join mads
        on deviations.indicator_code = mads.indicator_code
        and deviations.area_level = mads.area_level
        and deviations.area_code = mads.area_code

),

outliers as (

    select
        'outlier' as issue_type,
        indicator_code,
        area_level,
        area_code,
        period_start,
        period_end,
        value,
        median_value::numeric as median_value,
        mad::numeric as mad,
        modified_z,
        history_months

    from scored
    where abs(modified_z) > 3.5

),

final as (

    select
        issue_type,
        source,
        entity,
        batch_id,
        null::text as indicator_code,
        null::text as area_level,
        null::text as area_code,
        (interval_start at time zone 'Asia/Ho_Chi_Minh')::date as interval_first_day,
        ((interval_end at time zone 'Asia/Ho_Chi_Minh') - interval '1 second')::date
            as interval_last_day,
        rule,
        bad_row_count,
        batch_rows,
        sample,
        null::numeric as value,
        null::numeric as median_value,
        null::numeric as mad,
        null::numeric as modified_z,
        is_resolved,
        detected_at

    from batch_issues

    union all

    select
        issue_type,
        source,
        entity,
        batch_id,
        null,
        null,
        null,
        (interval_start at time zone 'Asia/Ho_Chi_Minh')::date,
        ((interval_end at time zone 'Asia/Ho_Chi_Minh') - interval '1 second')::date,
        'file rejected (' || rule || ')',
        null,
        null,
        left(reason, 2000),
        null,
        null,
        null,
        null,
        null,
        recorded_at

    from rejected_files

    union all

    select
        issue_type,
        source,
        entity,
        batch_id,
        null,
        null,
        null,
        (interval_start at time zone 'Asia/Ho_Chi_Minh')::date,
        ((interval_end at time zone 'Asia/Ho_Chi_Minh') - interval '1 second')::date,
        rule,
        null,
        batch_rows,
        'landed in the batch''s parquet file, not loaded; add the fields to the source contract '
            || '(include/dti/sources) and the suite to load them',
        null,
        null,
        null,
        null,
        null,
        detected_at

    from new_fields

    union all

    select
        issue_type,
        'indicators' as source,
        'indicator_values' as entity,
        null as batch_id,
        indicator_code,
        area_level,
        area_code,
        period_start,
        period_end,
        'modified z-score over the area''s monthly history above 3.5 (|z|)' as rule,
        null as bad_row_count,
        null as batch_rows,
        'value ' || value || ', median ' || round(median_value, 4) || ', MAD ' || round(mad, 4)
            || ' over ' || history_months || ' months' as sample,
        value,
        median_value,
        mad,
        modified_z,
        null as is_resolved,
        null as detected_at

    from outliers

    union all

    select
        verdict,
        source,
        entity,
        null,
        null,
        unit_level,
        unit_code,
        first_day,
        last_day,
        case verdict
            when 'unknown_code' then 'the ' || unit_level || ' code names no unit at any date: '
                || 'not joined to any unit'
            else 'the ' || unit_level || ' code names no unit on these days (a unit of another '
                || 'period): restated through the crosswalk'
        end,
        records,
        null,
        case verdict
            when 'unknown_code' then 'nearest valid units: ' || coalesce(nearest_versions, 'none')
            else 'resolved to ' || coalesce(resolved_to, 'no unit') || ' (' || days || ' days)'
        end,
        null,
        null,
        null,
        null,
        null,
        null

    from unit_code_issues

)

select * from final
