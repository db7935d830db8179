{#- The portal sends local (Asia/Ho_Chi_Minh) times as yyyyMMddHHmmss text. They are kept as
    local `timestamp without time zone`, built from the digits rather than through
    to_timestamp(), so the wall-clock time (and so the local date) never depends on the session's
    time zone. Anything that is not 14 digits (null, '') becomes null. -#}
{% macro portal_timestamp(column) -%}
    case
        when {{ column }} ~ '^[0-9]{14}$'
            then (
                substr({{ column }}, 1, 8) || ' '
                || substr({{ column }}, 9, 2) || ':'
                || substr({{ column }}, 11, 2) || ':'
                || substr({{ column }}, 13, 2)
            )::timestamp
    end
{%- endmacro %}

{#- yyyyMMdd text to date; anything else to null. -#}
{% macro portal_date(column) -%}
    case when {{ column }} ~ '^[0-9]{8}$' then to_date({{ column }}, 'YYYYMMDD') end
{%- endmacro %}

{#- Source flags travel as '1' / '0' (inside JSON sometimes as numbers): '1' is true,
    anything else (including null) false. -#}
{% macro portal_flag(column) -%}
    coalesce(trim({{ column }}) = '1', false)
{%- endmacro %}

{#- Rows of a jsonb list column; a null or non-array value gives no rows instead of an error. -#}
{% macro json_items(column) -%}
    jsonb_array_elements(case when jsonb_typeof({{ column }}) = 'array' then {{ column }} else '[]'::jsonb end)
{%- endmacro %}
