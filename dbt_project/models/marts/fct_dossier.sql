{{ config(indexes=[{'columns': ['received_date']}, {'columns': ['dossier_code'], 'unique': true}]) }}

with

dossiers as (

    select * from {{ ref('stg_portal__dossiers') }}

),

lifecycle as (

    select * from {{ ref('int_dossier_lifecycle') }}

),

procedures as (

    select * from {{ ref('dim_procedure') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

final as (

    select
        ----------  keys
        dossiers.dossier_code,
        dossiers.agency_code,
        dossiers.procedure_code,
        coalesce(agencies.province_code, '{{ var("dti_province_code") }}') as province_code,
        agencies.district_code,
        agencies.commune_code,
        dossiers.applicant_commune_code,

        ----------  when and how
        dossiers.received_at,
        dossiers.received_date,
        dossiers.channel_code,
        dossiers.channel,
        dossiers.applicant_type,
        dossiers.status_code,
        dossiers.status,
        dossiers.payment_channel,
        dossiers.fee_total_vnd,

        ----------  indicator flags (docs/indicators_portal.md)
        dossiers.channel_code = '2' as is_online,
        coalesce(procedures.is_online_service, false) as is_online_service_procedure,
        coalesce(procedures.is_fully_online, false) as is_fully_online_procedure,
        coalesce(procedures.has_financial_obligation, false) as is_fee_procedure,
        dossiers.has_positive_fee,
        coalesce(procedures.has_financial_obligation, false) and dossiers.has_positive_fee
            as is_online_payment_scope,
        dossiers.is_paid_online,
        coalesce(procedures.has_result_document, false) as requires_result_document,
        dossiers.has_e_result,
        dossiers.has_digitised_components,
        dossiers.has_digitised_components
            and (not coalesce(procedures.has_result_document, false) or dossiers.has_e_result)
            as is_digitised_dossier,
        dossiers.attachments_reused_count > 0 as has_reused_data,
        dossiers.is_vneid_verified,
        dossiers.is_vneid_verified or dossiers.attachments_from_national_store_count > 0
            as uses_population_data,

        ----------  on-time facts
        lifecycle.due_at,
        lifecycle.due_basis,
        lifecycle.ended_at,
        lifecycle.end_state,
        lifecycle.is_ended,
        lifecycle.supplement_request_count,
        lifecycle.first_supplement_requested_at,
        lifecycle.first_supplement_received_at,
        lifecycle.second_supplement_requested_at,
        lifecycle.supplement_wait,
        lifecycle.on_time_until,
        lifecycle.is_on_time,

        dossiers.updated_at

    from dossiers
    inner join lifecycle
        on dossiers.dossier_code = lifecycle.dossier_code
    left join procedures
        on dossiers.procedure_code = procedures.procedure_code
    left join agencies
        on dossiers.agency_code = agencies.agency_code

)

select * from final
