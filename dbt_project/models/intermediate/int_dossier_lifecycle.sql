with

dossiers as (

    select * from {{ ref('stg_portal__dossiers') }}

),

procedures as (

    select * from {{ ref('stg_portal__procedures') }}

),

calendar as (

    select * from {{ ref('int_working_day_calendar') }}

),

-- No NgayHenTra: the due time is the receipt plus the procedure's legal processing time.
legal_due as (

    select
        dossiers.dossier_code,
        case procedures.legal_processing_time_unit
            when 'hours'
                then dossiers.received_at + procedures.legal_processing_time * interval '1 hour'
            when 'days'
                then dossiers.received_at + procedures.legal_processing_time * interval '1 day'
            when 'working_days'
                then due_day.calendar_date + dossiers.received_at::time
        end as legal_due_at

    from dossiers
    inner join procedures
        on dossiers.procedure_code = procedures.procedure_code
    -- working days: the n-th working day after the receipt day (Monday to Friday, public
    -- holidays skipped; a part day counts as a whole one), at the time of day of receipt
    left join calendar as receipt_day
        on procedures.legal_processing_time_unit = 'working_days'
        and receipt_day.calendar_date = dossiers.received_date
    left join calendar as due_day
        on due_day.is_working_day
        and due_day.working_day_seq
            = receipt_day.working_day_seq + greatest(ceil(procedures.legal_processing_time)::int, 1)
    where dossiers.due_at is null
        and dossiers.received_at is not null
        and procedures.legal_processing_time > 0

),

lifecycle as (

    select
        dossiers.dossier_code,
        dossiers.received_at,
        dossiers.received_date,
        coalesce(dossiers.due_at, legal_due.legal_due_at) as due_at,
        case
            when dossiers.due_at is not null then 'portal'
            when legal_due.legal_due_at is not null then 'legal_processing_time'
        end as due_basis,

        -- the first terminal state, in the rule's order: processed > returned > stopped/refused
        case
            when dossiers.processing_ended_at is not null then dossiers.processing_ended_at
            when dossiers.returned_at is not null then dossiers.returned_at
            when dossiers.status_code in ('3', '7', '8', '9', '10') then dossiers.updated_at
        end as ended_at,
        case
            when dossiers.processing_ended_at is not null then 'processed'
            when dossiers.returned_at is not null then 'returned'
            when dossiers.status_code = '8' then 'stopped'
            when dossiers.status_code = '3' then 'refused'
            when dossiers.status_code = '7' then 'withdrawn'
            when dossiers.status_code in ('9', '10') then 'processed'
        end as end_state,

        dossiers.supplement_request_count,
        dossiers.first_supplement_requested_at,
        dossiers.first_supplement_received_at,
        dossiers.second_supplement_requested_at

    from dossiers
    left join legal_due
        on dossiers.dossier_code = legal_due.dossier_code

),

on_time_bounds as (

    select
        *,
        -- The last on-time instant. Judged at an instant t, the dossier is on time when
        -- t minus the time spent waiting for the supplement (from its request until it was
        -- received, or until t while still open) is not after due_at, and no second supplement
        -- was requested before t. That holds exactly while t <= on_time_until:
        --  * no supplement requested by the due time: due_at;
        --  * a supplement requested by the due time: due_at plus the wait, or never late while
        --    it is still open;
        --  * a second supplement request ends it at that request.
        least(
            second_supplement_requested_at,
            case
                when first_supplement_requested_at <= due_at and first_supplement_received_at is null
                    then 'infinity'::timestamp
                when first_supplement_requested_at <= due_at
                    then due_at + greatest(
                        first_supplement_received_at - first_supplement_requested_at, interval '0 seconds'
                    )
                else due_at
            end
        ) as on_time_until

    from lifecycle

),

final as (

    select
        *,
        ended_at is not null as is_ended,
        supplement_request_count > 1 as is_late_by_supplements,
        case
            when ended_at is not null and first_supplement_requested_at < ended_at
                then greatest(
                    least(coalesce(first_supplement_received_at, ended_at), ended_at)
                    - first_supplement_requested_at,
                    interval '0 seconds'
                )
        end as supplement_wait,
        case
            when ended_at is not null then {{ dossier_on_time_at('ended_at') }}
        end as is_on_time

    from on_time_bounds

)

select * from final
