{#- Rows must be unique on the combination of `columns` (dbt_utils.unique_combination_of_columns
    without the package). -#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
