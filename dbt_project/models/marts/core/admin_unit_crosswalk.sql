{#- From every unit version to every version it became, directly or through later changes, with
    the share of it that went there (the product of the links' weights), and to itself (weight
    1). For a version V and a day D on or after V's first day, the rows of V whose target is
    valid on D give V's units on D, and their weights sum to 1: a count restated through them
    keeps its total. -#}
with recursive

units as (

    select * from {{ ref('stg_ref__admin_units') }}

),

links as (

    select * from {{ ref('stg_ref__admin_unit_links') }}

),

reached (
    from_unit_code, from_valid_from, to_unit_code, to_valid_from, weight, weight_basis, methods,
    steps
) as (

    select unit_code, valid_from, unit_code, valid_from, 1::numeric, 'none'::text, 'self'::text, 0
    from units

    union all

    select
        reached.from_unit_code,
        reached.from_valid_from,
        links.to_unit_code,
        links.to_valid_from,
        reached.weight * links.weight,
        case
            when links.link_note like 'population%' then 'population'
            when links.weight <> 1 and reached.weight_basis = 'none' then 'area'
            else reached.weight_basis
        end,
        case when reached.steps = 0 then links.link_method
            else reached.methods || ' > ' || links.link_method end,
        reached.steps + 1
    from reached
    inner join links
        on reached.to_unit_code = links.from_unit_code
        and reached.to_valid_from = links.from_valid_from

),

final as (

    select
        reached.from_unit_code || '@' || reached.from_valid_from::text as from_unit_key,
        reached.from_unit_code,
        from_units.unit_level as from_unit_level,
        reached.from_valid_from,
        from_units.valid_to as from_valid_to,
        reached.to_unit_code || '@' || reached.to_valid_from::text as to_unit_key,
        reached.to_unit_code,
        to_units.unit_level as to_unit_level,
        to_units.unit_name_with_type as to_unit_name,
        reached.to_valid_from,
        to_units.valid_to as to_valid_to,
        sum(reached.weight) as weight,
        case
            when bool_or(reached.weight_basis = 'population') then 'population'
            when bool_or(reached.weight_basis = 'area') then 'area'
            else 'none'
        end as weight_basis,
        string_agg(distinct reached.methods, '; ') as methods

    from reached
    inner join units as from_units
        on reached.from_unit_code = from_units.unit_code
        and reached.from_valid_from = from_units.valid_from
    inner join units as to_units
        on reached.to_unit_code = to_units.unit_code
        and reached.to_valid_from = to_units.valid_from
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11

)

select * from final
