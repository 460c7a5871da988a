{#- An incremental run's key set (the visitors, sends, sources a run recomputes, with whatever
    it needs per key), materialized as a temporary table just before the model's query, and
    the relation to read it from: `<model>__<name>`.

    Why: DuckDB picks a hash join's build side by estimated cardinality, and a key set derived
    through filters, aggregates and outer joins of large tables is estimated at billions of rows
    (a group-by is estimated at its input's size). The join of the staged rows (tens of
    millions) with the few thousand changed keys then builds its hash table on the staged rows,
    every column of them: at 50M events the sessionizer's incremental run spent 25 of its 39 s
    there. A temporary table has an exact row count, so the join builds on the key set, and the
    scan of the large side is pruned by the keys' range (DuckDB's dynamic join filters).

    The table lives on the model's connection (dbt compiles a node and runs it on the same
    connection) and each run replaces it. It is a statement of its own, so it must not read the
    model's CTEs. In a unit test (fixtures stand in for the relations there, nothing may be read
    from the database) and on other engines the key set is an inline subquery: the same rows,
    the same result. -#}
{% macro incremental_key_set(name, sql) -%}
    {%- if reads_stored_rows() -%}
        {%- set relation = this.identifier ~ '__' ~ name -%}
        {%- do run_query('create or replace temporary table ' ~ relation ~ ' as ' ~ sql) -%}
        {{- return(relation) -}}
    {%- else -%}
        {{- return('(' ~ sql ~ ')') -}}
    {%- endif -%}
{%- endmacro %}
