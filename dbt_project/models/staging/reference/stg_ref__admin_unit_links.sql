with

source as (

    select * from {{ source('ref', 'ref__admin_unit_links') }}

),

renamed as (

    select
        from_code as from_unit_code,
        from_valid_from::date as from_valid_from,
        to_code as to_unit_code,
        to_valid_from::date as to_valid_from,
        weight::numeric as weight,
        method as link_method,
        nullif(note, '') as link_note

    from source

)

select * from renamed
