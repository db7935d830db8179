with

procedures as (

    select * from {{ ref('stg_portal__procedures') }}

),

final as (

    select
        procedure_code,
        procedure_name,
        field_code,
        field_name,
        authority_level_code,
        authority_level,
        competent_agency_code,
        online_level_code,
        online_level,
        is_online_service,
        is_fully_online,
        has_financial_obligation,
        has_online_payment_integrated,
        has_result_document,
        requires_paper_result,
        is_essential_service,
        is_integrated_national_portal,
        legal_processing_time,
        legal_processing_time_unit,
        valid_from,
        valid_to

    from procedures

)

select * from final
