{{ config(indexes=[{'columns': ['dossier_code'], 'unique': true}]) }}

{#- The dossier-level rules of the Decision 766 service index and of the portal indicators, in
    one place (docs/service_index.md, reference/indicators.csv basis column): one row per dossier,
    one boolean per rule. fct_dossier exposes them; indicator_values and service_index count
    them. The on-time rule itself is int_dossier_lifecycle's `on_time_until`, judged at the end
    of the dossier or of the period by the macro dossier_on_time_at. -#}

with

dossiers as (

    select * from {{ ref('stg_portal__dossiers') }}

),

procedures as (

    select * from {{ ref('stg_portal__procedures') }}

),

lifecycle as (

    select * from {{ ref('int_dossier_lifecycle') }}

),

final as (

    select
        dossiers.dossier_code,
        dossiers.agency_code,
        dossiers.procedure_code,
        dossiers.applicant_commune_code,
        dossiers.received_at,
        dossiers.received_date,
        dossiers.channel_code,
        dossiers.channel,
        dossiers.applicant_type,
        dossiers.status_code,
        dossiers.status,
        dossiers.payment_channel,
        dossiers.fee_total_vnd,
        dossiers.updated_at,

        ----------  group 3: online service
        -- online: submitted through the portal (KenhThucHien = 2)
        dossiers.channel_code = '2' as is_online,
        coalesce(procedures.is_online_service, false) as is_online_service_procedure,
        -- fully online: the denominator is every dossier of a fully-online (level 4) procedure
        coalesce(procedures.is_fully_online, false) as is_fully_online_procedure,

        ----------  group 4: online payment
        coalesce(procedures.has_financial_obligation, false) as is_fee_procedure,
        dossiers.has_positive_fee,
        -- fee-bearing procedure and a fee above zero (dossiers whose fees are all zero are out)
        coalesce(procedures.has_financial_obligation, false) and dossiers.has_positive_fee
            as is_online_payment_scope,
        -- paid on the national portal (1) or the provincial gateway (2)
        dossiers.is_paid_online,

        ----------  group 6: digitisation
        coalesce(procedures.has_result_document, false) as requires_result_document,
        dossiers.has_e_result,
        dossiers.has_digitised_components,
        -- digitised components, and an electronic result where the procedure issues a result
        dossiers.has_digitised_components
            and (not coalesce(procedures.has_result_document, false) or dossiers.has_e_result)
            as is_digitised_dossier,
        dossiers.attachments_reused_count > 0 as has_reused_data,
        dossiers.is_vneid_verified,
        -- population data: a VNeID-verified account or a component taken from the national store
        dossiers.is_vneid_verified or dossiers.attachments_from_national_store_count > 0
            as uses_population_data,

        ----------  group 2: progress (on time) and group 5's base (handled dossiers)
        lifecycle.due_at,
        lifecycle.due_basis,
        lifecycle.ended_at,
        lifecycle.end_state,
        lifecycle.is_ended,
        lifecycle.supplement_request_count,
        lifecycle.first_supplement_requested_at,
        lifecycle.first_supplement_received_at,
        lifecycle.second_supplement_requested_at,
        lifecycle.is_late_by_supplements,
        lifecycle.supplement_wait,
        lifecycle.on_time_until,
        lifecycle.is_on_time

    from dossiers
    inner join lifecycle
        on dossiers.dossier_code = lifecycle.dossier_code
    left join procedures
        on dossiers.procedure_code = procedures.procedure_code

)

select * from final
