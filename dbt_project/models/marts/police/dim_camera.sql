with

cameras as (

    select * from {{ ref('stg_police__cameras') }}

),

-- the commune as the source sent it: the units of the connection day (a camera connected
-- from 2025-07-01 lies in a commune of the new province and has no district). The version is the
-- code's first one not ended by the connection day: the one valid that day, or, for a camera
-- connected before the reference's first versions (2020), the code's first version. Its
-- province: that commune's, else (not connected) its district's (the former Bac Ninh's own
-- system's cameras: 27).
resolved as (

    select
        cameras.*,
        units.unit_key as commune_unit_key,
        coalesce(units.province_code, districts.province_code) as province_code
    from cameras
    left join lateral (
        select dim_units.unit_key, dim_units.province_code
        from {{ ref('dim_administrative_unit') }} as dim_units
        where dim_units.unit_code = cameras.commune_code
            and dim_units.unit_level = 'commune'
            and (dim_units.valid_to is null or cameras.connected_date < dim_units.valid_to)
        order by dim_units.valid_from
        limit 1
    ) as units on cameras.connected_date is not null
    left join lateral (
        select dim_units.province_code
        from {{ ref('dim_administrative_unit') }} as dim_units
        where dim_units.unit_code = cameras.district_code
            and dim_units.unit_level = 'district'
        order by dim_units.valid_from
        limit 1
    ) as districts on true

),

final as (

    select
        camera_id,
        commune_code,
        commune_unit_key,
        district_code,
        coalesce(province_code, '{{ var("dti_province_code") }}') as province_code,
        camera_type_code,
        camera_type,
        connected_date,
        connected_date is not null as is_connected,
        is_connected_to_district_centre,
        snapshot_date

    from resolved

)

select * from final
