{#- Source instances (include/dti/sources/instances.py): another system of a registered source
    (the former Bac Ninh's portal before the 2025 merger), configured in the sources file and
    loaded into its own raw tables, raw.<instance>__<entity>. The loader registers each instance
    in ops.source_instances; a staging model reads its source's table and every instance's, the
    same columns, with the instance's name in `_source_instance`. Nothing here names an
    instance: a new one is configuration only. -#}

{#- The instances of a source that have raw tables, by name (empty at parse time, before the
    warehouse has the registry, and in dbt's unit tests, whose inputs are given). -#}
{% macro source_instances(source_name) %}
    {%- if not execute or model.resource_type == 'unit_test' %}
        {{- return([]) }}
    {%- endif %}
    {%- set registry = adapter.get_relation(database=target.database, schema='ops', identifier='source_instances') %}
    {%- if registry is none %}
        {{- return([]) }}
    {%- endif %}
    {%- set rows = run_query(
        "select instance from ops.source_instances where source = '" ~ source_name ~ "' order by instance"
    ) %}
    {{- return(rows.columns[0].values() | list) }}
{% endmacro %}

{% macro instance_relation(instance, entity) %}
    {{- return(adapter.get_relation(database=target.database, schema='raw', identifier=instance ~ '__' ~ entity)) }}
{% endmacro %}

{#- `union all` of every instance's rows of the entity, in the column order of the source's own
    raw table (after `select *, '<source>' as _source_instance from source(...)`); with raw_key
    and model_key, only the keys the instance's new batches touched (changed_keys_only). -#}
{% macro other_instances(source_name, entity, raw_key=none, model_key=none) %}
    {%- set instances = source_instances(source_name) %}
    {%- if instances %}
        {%- set columns = adapter.get_columns_in_relation(source(source_name, source_name ~ '__' ~ entity)) %}
        {%- for instance in instances %}
            {%- set relation = instance_relation(instance, entity) %}
            {%- if relation is not none %}
    union all
    select
        {%- for column in columns %}
        {{ adapter.quote(column.name) }},
        {%- endfor %}
        '{{ instance }}' as _source_instance
    from {{ relation }}
    {%- if raw_key is not none %}
    {{ changed_keys_only(source_name, entity, raw_key, model_key, instance=instance) }}
    {%- endif %}
            {%- endif %}
        {%- endfor %}
    {%- endif %}
{% endmacro %}
