{#- Incremental staging by business key (the large raw tables: dossiers, health claims and
    payments). A raw table holds one batch per load interval: a reload deletes the interval's
    rows and copies the new batch, and writes its `ops.load_audit` row in the same transaction.
    A staging model keeps the latest version of each key.

    Which batches a model has read is kept exactly, in the ledger `ops.dbt_batch_ledger`:
    - the pre-hook (`take_new_batches`) marks the batches loaded since the last build as
      `taken` (the latest loaded batch of each interval, read from the load audit in one
      statement, so only committed loads);
    - the model (`changed_keys_only`) recomputes the keys that have a row in a taken batch, and
      the keys it kept from a batch that a taken one replaced (a reloaded interval), ranking ALL
      of each such key's raw versions again: a late update (a dossier that changes state weeks
      after receipt) or a reloaded day replaces exactly the keys it touched, and the result is a
      full refresh's;
    - the post-hook (`consume_taken_batches`) deletes the rows still pointing at a replaced batch
      (keys the reload dropped entirely), forgets the replaced batches and marks the taken ones
      `consumed`, in the build's transaction: a failed build consumes nothing.
    A load that commits while the model is built is taken by the next build, never skipped. A
    full refresh (or the first build) clears the model's ledger and takes every batch. -#}

{#- The ledger names a model by the staging convention, stg_<source>__<entity>: `this` is not
    the model's name inside a dbt unit test. -#}
{#- A source instance's batches (macros/source_instances.sql) have their own ledger rows,
    stg_<source>__<entity>@<instance>: two systems' batches of one day are two intervals. -#}
{% macro _batch_ledger_model(source_name, entity, instance=none) -%}
    'stg_{{ source_name }}__{{ entity }}{{ "@" ~ instance if instance else "" }}'
{%- endmacro %}

{% macro _replaced_batches(source_name, entity, instance=none) -%}
    select consumed.batch_id
    from {{ source('ops', 'dbt_batch_ledger') }} as consumed
    inner join {{ source('ops', 'dbt_batch_ledger') }} as taken
        on taken.model = consumed.model
        and taken.interval_start = consumed.interval_start
        and taken.state = 'taken'
    where consumed.model = {{ _batch_ledger_model(source_name, entity, instance) }} and consumed.state = 'consumed'
{%- endmacro %}

{% macro take_new_batches(source_name, entity) %}
    {%- for instance in [none] + source_instances(source_name) %}
    {%- set ledger_model = _batch_ledger_model(source_name, entity, instance) %}
    {%- if not is_incremental() %}
    delete from {{ source('ops', 'dbt_batch_ledger') }} where model = {{ ledger_model }};
    {%- endif %}
    delete from {{ source('ops', 'dbt_batch_ledger') }}
    where model = {{ ledger_model }} and state = 'taken';
    insert into {{ source('ops', 'dbt_batch_ledger') }} (model, batch_id, interval_start, state)
    select {{ ledger_model }}, current_batch.batch_id, current_batch.interval_start, 'taken'
    from (
        select distinct on (interval_start) batch_id, interval_start
        from {{ source('ops', 'load_audit') }}
        where source = '{{ instance or source_name }}' and entity = '{{ entity }}' and status = 'loaded'
        order by interval_start, audit_id desc
    ) as current_batch
    where not exists (
        select from {{ source('ops', 'dbt_batch_ledger') }} as ledger
        where ledger.model = {{ ledger_model }} and ledger.batch_id = current_batch.batch_id
    ){{ ";" if not loop.last }}
    {%- endfor %}
{% endmacro %}

{% macro changed_keys_only(source_name, entity, raw_key, model_key, instance=none) %}
    {%- if is_incremental() %}
    {%- set raw_relation = instance_relation(instance, entity) if instance else source(source_name, source_name ~ '__' ~ entity) %}
    where {{ raw_key }} in (
        select raw.{{ raw_key }}
        from {{ raw_relation }} as raw
        inner join {{ source('ops', 'dbt_batch_ledger') }} as taken
            on raw._interval_start = taken.interval_start
            and raw._batch_id = taken.batch_id
        where taken.model = {{ _batch_ledger_model(source_name, entity, instance) }} and taken.state = 'taken'
        union
        select kept.{{ model_key }}
        from {{ this }} as kept
        where kept.batch_id in ({{ _replaced_batches(source_name, entity, instance) }})
    )
    {%- endif %}
{% endmacro %}

{% macro consume_taken_batches(source_name, entity) %}
    {%- for instance in [none] + source_instances(source_name) %}
    {%- set ledger_model = _batch_ledger_model(source_name, entity, instance) %}
    delete from {{ this }} where batch_id in ({{ _replaced_batches(source_name, entity, instance) }});
    delete from {{ source('ops', 'dbt_batch_ledger') }} as consumed
    using {{ source('ops', 'dbt_batch_ledger') }} as taken
    where consumed.model = {{ ledger_model }}
        and consumed.state = 'consumed'
        and taken.model = consumed.model
        and taken.interval_start = consumed.interval_start
        and taken.state = 'taken';
    update {{ source('ops', 'dbt_batch_ledger') }} set state = 'consumed', consumed_at = now()
    where model = {{ ledger_model }} and state = 'taken'{{ ";" if not loop.last }}
    {%- endfor %}
{% endmacro %}
