{{ config(indexes=[{'columns': ['received_date']}, {'columns': ['dossier_code'], 'unique': true}]) }}

with

-- the rules model carries the dossier's descriptive columns too: the staging view is parsed
-- from JSON once per build, not once per reader
dossiers as (

    select * from {{ ref('int_dossier_service_rules') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

units as (

    select * from {{ ref('dim_administrative_unit') }}

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
        -- the version of the agency's area (commune, district or province) on the receipt day:
        -- the code as sent, resolved to the unit it named then (codes are reused)
        units.unit_key as area_unit_key,
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

        ----------  indicator flags (int_dossier_service_rules, docs/service_index.md)
        dossiers.is_online,
        dossiers.is_online_service_procedure,
        dossiers.is_fully_online_procedure,
        dossiers.is_fee_procedure,
        dossiers.has_positive_fee,
        dossiers.is_online_payment_scope,
        dossiers.is_paid_online,
        dossiers.requires_result_document,
        dossiers.has_e_result,
        dossiers.has_digitised_components,
        dossiers.is_digitised_dossier,
        dossiers.has_reused_data,
        dossiers.is_vneid_verified,
        dossiers.uses_population_data,

        ----------  on-time facts
        dossiers.due_at,
        dossiers.due_basis,
        dossiers.ended_at,
        dossiers.end_state,
        dossiers.is_ended,
        dossiers.supplement_request_count,
        dossiers.first_supplement_requested_at,
        dossiers.first_supplement_received_at,
        dossiers.second_supplement_requested_at,
        dossiers.supplement_wait,
        dossiers.on_time_until,
        dossiers.is_on_time,

        dossiers.updated_at

    from dossiers
    left join agencies
        on dossiers.agency_code = agencies.agency_code
    left join units
        on agencies.area_code = units.unit_code
        and {{ unit_valid_on('units', 'dossiers.received_date') }}

)

select * from final
