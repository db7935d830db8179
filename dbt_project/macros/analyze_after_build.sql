{#- Planner statistics for a table as soon as it is built: the next model reads it in the same
    run, before autovacuum would have analysed it, and without statistics PostgreSQL plans the
    joins of a fresh table as if it had one row (data_quality_issues took 280 s instead of 0.3 s
    that way). Views and ephemeral models have nothing to analyse. An incremental model is
    analysed when it was never analysed (its first build, a full refresh) or when more than a
    tenth of its rows changed since it last was (as counted when earlier builds committed); a
    nightly build that adds a few thousand rows to a large table keeps its statistics (an
    analyze of the dossier staging table costs 1.5 s). -#}
{% macro analyze_after_build() %}
    {%- if model.config.materialized == 'table' -%}
        analyze {{ this }}
    {%- elif model.config.materialized == 'incremental' -%}
        do $analyze$ begin
            if coalesce((
                select last_analyze is null and last_autoanalyze is null
                    or n_mod_since_analyze > 0.1 * greatest(n_live_tup, 1)
                from pg_stat_user_tables
                where relid = '{{ this }}'::regclass
            ), true) then
                analyze {{ this }};
            end if;
        end $analyze$
    {%- endif -%}
{% endmacro %}
