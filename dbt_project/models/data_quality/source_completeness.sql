{{ config(materialized='table', schema='marts') }}

{#- Completeness and timeliness of every source, as DHIS2 reports it: per source, entity,
    reporting unit and period (month, quarter, half_year, year): expected submissions, received,
    received on time, and the rates. Generic over the ops ledgers, so a source registered later
    appears with no change here:
    * file-drop sources (ops.file_receipts): one expected file per unit per file period (the
      units the source expects are listed, a unit that sent nothing has a `missing` row);
      received = a readable file arrived (loaded, replaced by a later one, a duplicate, or
      quarantined for failing validation; a rejected, unreadable file is not received); on time =
      its arrival (file mtime) before 01:00 local after the file period's end, i.e. in the inbox
      for the next morning's run;
    * HTTP sources (ops.load_audit, entities without file receipts): one expected submission per
      entity per local day, every day from the entity's first audited day to its last; received =
      a successful load of that day; on time = the first successful load finished before 06:00
      local on the next day (the nightly run and its retries). A range backfilled later is
      received but not on time. -#}

with

receipts as (

    select
        source::text as source,
        entity::text as entity,
        coalesce(unit::text, '(unknown)') as reporting_unit,
        (period_start at time zone 'Asia/Ho_Chi_Minh')::date as submission_date,
        -- in the inbox for the run of the next morning: before 01:00 local after the period
        period_end + interval '1 hour' as deadline,
        status::text as status,
        arrived_at

    from {{ source('ops', 'file_receipts') }}

),

file_entities as (

    select distinct source, entity
    from receipts

),

file_submissions as (

    select
        source,
        entity,
        reporting_unit,
        submission_date,
        min(deadline) as deadline,
        -- a readable file arrived (rejected files and missing units are not received)
        min(arrived_at) filter (
            where status in ('loaded', 'replaced', 'duplicate', 'quarantined')
        ) as first_received_at

    from receipts
    group by 1, 2, 3, 4

),

audit as (

    select
        source::text as source,
        entity::text as entity,
        (interval_start at time zone 'Asia/Ho_Chi_Minh')::date as submission_date,
        status,
        finished_at

    from {{ source('ops', 'load_audit') }} as load_audit
    -- file-drop entities are judged by their receipts, not by their batches
    where not exists (
        select 1
        from file_entities
        where file_entities.source = load_audit.source
            and file_entities.entity = load_audit.entity
    )

),

http_entities as (

    select source, entity, min(submission_date) as first_day, max(submission_date) as last_day
    from audit
    group by 1, 2

),

http_days as (

    select
        http_entities.source,
        http_entities.entity,
        day::date as submission_date
    from http_entities
    cross join lateral generate_series(http_entities.first_day, http_entities.last_day, interval '1 day') as day

),

http_submissions as (

    select
        http_days.source,
        http_days.entity,
        'system' as reporting_unit,
        http_days.submission_date,
        ((http_days.submission_date + 1) + interval '6 hours') at time zone 'Asia/Ho_Chi_Minh'
            as deadline,
        min(audit.finished_at) filter (where audit.status = 'loaded') as first_received_at

    from http_days
    left join audit
        on http_days.source = audit.source
        and http_days.entity = audit.entity
        and http_days.submission_date = audit.submission_date
    group by 1, 2, 3, 4, 5

),

submissions as (

    select *, 'file' as delivery from file_submissions
    union all
    select *, 'http' as delivery from http_submissions

),

periods as (

    {{ calendar_periods_of_months(
        "select distinct date_trunc('month', submission_date)::date from submissions"
    ) }}

),

counted as (

    select
        submissions.source,
        submissions.entity,
        submissions.delivery,
        submissions.reporting_unit,
        periods.period_type,
        periods.period_start,
        periods.period_end,
        count(*) as expected_submissions,
        count(submissions.first_received_at) as received,
        count(*) filter (where submissions.first_received_at < submissions.deadline)
            as received_on_time

    from submissions
    inner join periods
        on submissions.submission_date between periods.period_start and periods.period_end
    group by 1, 2, 3, 4, 5, 6, 7

),

final as (

    select
        *,
        round(100.0 * received / nullif(expected_submissions, 0), 2) as completeness_rate,
        round(100.0 * received_on_time / nullif(expected_submissions, 0), 2) as timeliness_rate

    from counted

)

select * from final
