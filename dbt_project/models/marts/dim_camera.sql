with

cameras as (

    select * from {{ ref('stg_police__cameras') }}

),

final as (

    select
        camera_id,
        commune_code,
        district_code,
        '{{ var("dti_province_code") }}' as province_code,
        camera_type_code,
        camera_type,
        connected_date,
        connected_date is not null as is_connected,
        is_connected_to_district_centre,
        snapshot_date

    from cameras

)

select * from final
