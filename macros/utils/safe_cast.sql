{#- dbt's default safe_cast is a plain cast on DuckDB: a bad value would fail the whole
    model. Staging must turn unparseable values into NULL and decide from that, so DuckDB
    gets try_cast. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
