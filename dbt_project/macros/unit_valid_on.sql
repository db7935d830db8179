{#- Join condition: the version of dim_administrative_unit (alias `units`) valid on the local
    day `on_date`. A code names a unit only with a date (codes are reused). -#}
{% macro unit_valid_on(units, on_date) -%}
    {{ units }}.valid_from <= ({{ on_date }})::date
    and ({{ units }}.valid_to is null or ({{ on_date }})::date < {{ units }}.valid_to)
{%- endmacro %}
