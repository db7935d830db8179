{#- Planner statistics for a table as soon as it is built: the next model reads it in the same
    run, before autovacuum would have analysed it, and without statistics PostgreSQL plans the
    joins of a fresh table as if it had one row (data_quality_issues took 280 s instead of 0.3 s
    that way). Views and ephemeral models have nothing to analyse. -#}
{% macro analyze_after_build() %}
    {%- if model.config.materialized in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{% endmacro %}
