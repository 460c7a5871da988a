{#- The calendar month (a date on the 1st, UTC) of a date or timestamp expression. -#}
{% macro to_month(expr) -%}
    cast({{ dbt.date_trunc('month', expr) }} as date)
{%- endmacro %}

{#- Last instant of the month starting at `month_expr` (exclusive end = first of next month). -#}
{% macro month_end_exclusive(month_expr) -%}
    cast({{ dbt.dateadd('month', 1, month_expr) }} as timestamp)
{%- endmacro %}

{#- The month of `expr` as text (YYYY-MM-DD of its first day): a partition key. -#}
{% macro month_key(expr) -%}
    cast({{ to_month(expr) }} as {{ dbt.type_string() }})
{%- endmacro %}
