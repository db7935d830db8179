{#- The health facilities' locations over time (docs/health_source.md): one row per facility
    and location of the latest registry snapshot (`LichSuDiaBan`), with the first day it holds
    (`valid_from`, null: since the facility's records begin) and the day it stops holding
    (`valid_to`, exclusive; null: still). A registry row without the list (a snapshot taken
    before the registry sent it) has one location, its own codes, for every day. -#}
{% macro health_facility_locations() -%}
    select
        facilities.facility_code,
        to_date(nullif(trim(locations.location ->> 'TuNgay'), ''), 'YYYYMMDD') as valid_from,
        to_date(nullif(trim(locations.location ->> 'DenNgay'), ''), 'YYYYMMDD') as valid_to,
        coalesce(nullif(trim(locations.location ->> 'MaTinh'), ''), facilities.province_code)
            as province_code,
        nullif(trim(locations.location ->> 'MaHuyen'), '') as district_code,
        nullif(trim(locations.location ->> 'MaXa'), '') as commune_code
    from {{ ref('stg_health__facilities') }} as facilities
    cross join lateral jsonb_array_elements(facilities.locations) as locations (location)
{%- endmacro %}

{#- Join condition: the location (alias `locations`) that holds on the local day `on_date`. -#}
{% macro health_location_on(locations, on_date) -%}
    coalesce({{ locations }}.valid_from <= ({{ on_date }})::date, true)
    and coalesce(({{ on_date }})::date < {{ locations }}.valid_to, true)
{%- endmacro %}
