{#- Where a raw table is read from: the seeded `raw` schema (the committed sample) or, when the
    var `raw_extracts_path` is set, the user's own file <path>/<table>.parquet or .csv. -#}
{% macro raw_relation(source_name, table_name) -%}
    {%- set path = var('raw_extracts_path', '') | trim -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if path == '' -%}
        {{ return(relation) }}
    {%- else -%}
        {{ return(adapter.dispatch('raw_file_relation', 'abm_warehouse')(path, table_name)) }}
    {%- endif -%}
{%- endmacro %}

{% macro raw_location(source_name, table_name) -%}
    {%- set path = var('raw_extracts_path', '') | trim -%}
    {%- if path == '' -%}{{ source(source_name, table_name) }}{%- else -%}{{ raw_file_path(path, table_name) }}{%- endif -%}
{%- endmacro %}

{#- The file of a table in the extracts folder: Parquet if present, else CSV. -#}
{% macro raw_file_path(path, table_name) -%}
    {%- set base = path.rstrip('/') ~ '/' ~ table_name -%}
    {%- if execute -%}
        {%- set found = run_query("select count(*) from glob('" ~ base ~ ".parquet')").columns[0].values()[0] -%}
        {%- if found > 0 -%}{{ return(base ~ '.parquet') }}{%- endif -%}
        {%- set found_csv = run_query("select count(*) from glob('" ~ base ~ ".csv')").columns[0].values()[0] -%}
        {%- if found_csv == 0 -%}
            {{ exceptions.raise_compiler_error("raw extract for table '" ~ table_name ~ "' not found: expected " ~ base ~ ".parquet or " ~ base ~ ".csv") }}
        {%- endif -%}
    {%- endif -%}
    {{ return(base ~ '.csv') }}
{%- endmacro %}

{% macro default__raw_file_relation(path, table_name) -%}
    {%- set file = raw_file_path(path, table_name) -%}
    {%- if file.endswith('.parquet') -%}
        read_parquet('{{ file }}')
    {%- else -%}
        read_csv('{{ file }}', header = true, all_varchar = true)
    {%- endif -%}
{%- endmacro %}

{#- Column names the raw relation actually has (introspected at run time). -#}
{% macro raw_columns_present(relation) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set result = run_query("select * from " ~ relation ~ " limit 0") -%}
    {{ return(result.column_names | list) }}
{%- endmacro %}

{#- Spark: reading the extracts folder needs a file-existence check (DuckDB's glob()) that
    Spark SQL does not have; not supported yet (docs/spark_status.md). -#}
{% macro spark__raw_file_relation(path, table_name) -%}
    {{ exceptions.raise_compiler_error("raw_extracts_path is not supported on the spark target yet: load the extracts into the `raw` schema (seeds) instead") }}
{%- endmacro %}
