{#- Counts down a funnel never grow: each listed column is <= the one before it, per row. -#}
{% test monotone_non_increasing(model, columns) %}

select *
from {{ model }}
where
    {%- for i in range(1, columns | length) %}
    {{ 'or ' if not loop.first }}coalesce({{ columns[i] }}, 0) > coalesce({{ columns[i - 1] }}, 0)
    {%- endfor %}

{% endtest %}
