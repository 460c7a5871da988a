{#- Fractional days from `start` to `end` (timestamps), as a double on every engine. Spark reads
    86400.0 as a decimal and divides a bigint by it with a rounded scale (7 decimals), DuckDB
    in double: the cast makes both engines give the same number. -#}
{% macro days_between(start, end) -%}
    cast({{ dbt.datediff(start, end, 'second') }} as double) / 86400
{%- endmacro %}
