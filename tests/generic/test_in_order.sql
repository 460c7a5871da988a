{#- Stage timestamps are in order: each non-NULL listed column is >= every earlier non-NULL
    one (a skipped stage is NULL and is ignored). -#}
{% test in_order(model, columns) %}

select *
from {{ model }}
where
    {%- set conditions = [] %}
    {%- for i in range(columns | length) %}
        {%- for j in range(i + 1, columns | length) %}
            {%- do conditions.append(columns[j] ~ ' < ' ~ columns[i]) %}
        {%- endfor %}
    {%- endfor %}
    {{ conditions | join('\n    or ') }}

{% endtest %}
