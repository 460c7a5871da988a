-- depends_on: {{ ref('kpi_monthly') }}
{#- kpi_monthly reads every raw table a mart reads (checked below), so a raw table that appears or goes away
    rebuilds this model in a planned refresh, as it rebuilds kpi_monthly. The rows come from the
    project's graph (macros/staging/raw_lineage.sql) and the extracts folder, not from data. -#}
{%- set memo = {} -%}
{%- set absent = absent_raw_tables() -%}
{%- set absent_columns = absent_needed_columns_by_mart() -%}
{%- set rows = [] -%}
{%- if execute -%}
    {%- set marts = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
        | selectattr('config.enabled') | selectattr('config.schema', 'equalto', 'marts') | list -%}
    {%- set read_by_marts = [] -%}
    {%- for node in marts | sort(attribute='name') if node.name != this.identifier -%}
        {%- for table in upstream_raw_tables(node.unique_id, memo) -%}
            {%- set columns = [] -%}
            {%- for column in absent_columns.get(node.name) or [] if column.startswith(table ~ '.') -%}
                {%- do columns.append(column) -%}
            {%- endfor -%}
            {%- do rows.append((node.name, table, table in absent, columns | join(', '))) -%}
            {%- if table not in read_by_marts -%}{%- do read_by_marts.append(table) -%}{%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {#- every raw table a mart of this target reads (Python marts are disabled on Spark) -#}
    {%- set via_kpi_monthly = upstream_raw_tables('model.' ~ project_name ~ '.kpi_monthly', memo) -%}
    {%- set unread = read_by_marts | reject('in', via_kpi_monthly) | list -%}
    {%- if unread -%}
        {{ exceptions.raise_compiler_error("dim_mart_inputs: kpi_monthly no longer reads " ~ unread | join(', ') ~ "; depend on a model that does, or a new raw table would not rebuild this model") }}
    {%- endif -%}
{%- endif %}

with inputs as (

    {%- if rows %}
        select
            cast(lineage.mart_name as {{ dbt.type_string() }}) as mart_name,
            cast(lineage.raw_table as {{ dbt.type_string() }}) as raw_table,
            cast(lineage.is_absent as boolean) as is_absent,
            cast(lineage.absent_columns as {{ dbt.type_string() }}) as absent_columns
        from (
            values
            {%- for mart, table, absent_now, columns in rows %}
                (
                    '{{ mart }}',
                    '{{ table }}',
                    {{ 'true' if absent_now else 'false' }},
                    '{{ columns }}'
                ){{ ',' if not loop.last }}
            {%- endfor %}
        ) as lineage (mart_name, raw_table, is_absent, absent_columns)
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as mart_name,
            cast(null as {{ dbt.type_string() }}) as raw_table,
            false as is_absent,
            cast(null as {{ dbt.type_string() }}) as absent_columns
        where 1 = 0
    {%- endif %}

)

select * from inputs
