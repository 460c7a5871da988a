{#- dbt's default safe_cast is a plain cast on DuckDB: a bad value would fail the whole
    model. Staging must turn unparseable values into NULL and decide from that, so DuckDB
    gets try_cast. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#- Spark (ANSI mode, the default of Spark 4 and Databricks) fails a plain cast on a bad value
    too: try_cast (Spark >= 3.2) gives NULL like DuckDB's. -#}
{% macro spark__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
