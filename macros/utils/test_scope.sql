{#- Tests that check only the rows the latest run wrote, on the large incremental tables.

    A data test's `where` config narrows the relation it reads (dbt's get_where_subquery, which
    this project overrides). `where: rows_written_by_last_run` is a shorthand for "the rows the
    model's latest run (re)wrote": dbt_refreshed_at = the newest dbt_refreshed_at in the table.
    Use it only for row-local checks (not_null, accepted_values, flags, a rate in [0, 1]) on a
    model that stamps dbt_refreshed_at on every row it writes: rows an earlier run wrote were
    checked then, and nothing has changed them since (an incremental run rewrites whole rows). A
    full build stamps every row, so then every row is checked; `dbt test` alone checks the rows
    of the latest build. Any other `where` works as in dbt. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where == 'rows_written_by_last_run' -%}
        {%- set where = 'dbt_refreshed_at = (select max(dbt_refreshed_at) from ' ~ relation ~ ')' -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
