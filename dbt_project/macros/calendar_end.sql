{#- The calendar's last day (dim_date, the working-day calendar, the indicator periods): the var
    dim_date_end if set (the unit tests set it), else the 31st of December of next year, so a
    warehouse built in December already holds January's nights. -#}
{% macro calendar_end() -%}
    {{- var('dim_date_end', none) or ((modules.datetime.date.today().year + 1) ~ '-12-31') -}}
{%- endmacro %}
