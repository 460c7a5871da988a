{#- A rate is a fraction in [0, 1] or NULL (NULL when its denominator is 0). -#}
{% test is_rate(model, column_name) %}

select {{ column_name }} as invalid_rate
from {{ model }}
where {{ column_name }} < 0 or {{ column_name }} > 1

{% endtest %}
