with

facilities as (

    select facility_code, capabilities from {{ ref('stg_health__facilities') }}

),

unnested as (

    select
        facilities.facility_code,
        capability ->> 'MaNangLuc' as capability_code,
        to_date(capability ->> 'TuNgay', 'YYYYMMDD') as valid_from,
        to_date(nullif(capability ->> 'DenNgay', ''), 'YYYYMMDD') as valid_to

    from facilities
    cross join lateral jsonb_array_elements(facilities.capabilities) as capability

),

final as (

    select
        facility_code,
        capability_code,
        case capability_code
            when 'TT_QR' then 'cashless_qr_code'
            when 'TT_POS' then 'cashless_pos_card'
            when 'TT_VIDIENTU' then 'cashless_mobile_money'
            when 'LIS' then 'laboratory_information_system'
            when 'PACS' then 'pacs'
            when 'AI_CDHA' then 'ai_imaging'
            when 'KCB_TUXA' then 'remote_consultation'
            when 'HSSK_DT' then 'electronic_health_records'
        end as capability,
        capability_code in ('TT_QR', 'TT_POS', 'TT_VIDIENTU') as is_cashless_method,
        valid_from,
        valid_to

    from unnested

)

select * from final
