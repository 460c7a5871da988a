{#- For records that may legitimately be dated a little ahead of the as-of date (planned
    records: finance enters next month's dated conversion rates before the month starts).
    Lists the rows whose future-dated flag (column_name) is true and whose date_column starts
    `months` or more whole months after the as-of month; rows dated in the next `months`
    months are expected (used with severity warn: the rows are kept). -#}
{% test future_dated_within(model, column_name, date_column, months) %}

select *
from {{ model }}
where
    {{ column_name }}
    and {{ date_column }} >= {{ dbt.dateadd('month', months + 1, as_of_month()) }}

{% endtest %}
