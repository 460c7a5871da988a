{#- Lists the rows whose flag column is true (used with severity warn: the rows are kept, the
    run reports them). -#}
{% test not_flagged(model, column_name) %}

select *
from {{ model }}
where {{ column_name }}

{% endtest %}
