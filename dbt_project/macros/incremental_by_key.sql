{#- Incremental staging by business key (the large raw tables: dossiers, health claims and
    payments). Raw tables are append-only with a whole interval replaced on a reload, and a
    staging model keeps the latest version of each key. An incremental run recomputes only the
    keys with a raw row loaded since the last run (the watermark is the model's
    `source_loaded_at`, the latest `_loaded_at` it read for the key, less the var
    `staging_lookback` for loads still committing when it ran), ranking ALL of each such key's
    raw versions again, so the result equals a full refresh: a late update (a dossier that
    changes state weeks after receipt) or a reloaded day replaces exactly the keys it touched.
    A reload that drops a version is handled by `forget_replaced_batches` (the pre-hook): rows
    whose batch is gone from raw are deleted, and their keys, now missing from the model, are
    recomputed from the versions left. -#}

{% macro changed_keys_only(raw_relation, raw_key, model_key) %}
    {%- if is_incremental() %}
    where {{ raw_key }} in (
        select {{ raw_key }}
        from {{ raw_relation }}
        where _loaded_at > (
            select coalesce(max(source_loaded_at), '-infinity'::timestamptz) from {{ this }}
        ) - interval '{{ var("staging_lookback") }}'
        union
        select {{ raw_key }}
        from {{ raw_relation }} as raw
        where not exists (select from {{ this }} as kept where kept.{{ model_key }} = raw.{{ raw_key }})
    )
    {%- endif %}
{% endmacro %}

{% macro forget_replaced_batches(raw_relation) %}
    {%- if is_incremental() -%}
        delete from {{ this }} as kept
        where not exists (select from {{ raw_relation }} as raw where raw._batch_id = kept.batch_id)
    {%- endif -%}
{% endmacro %}
