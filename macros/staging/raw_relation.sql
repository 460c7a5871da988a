{#- Where a raw table is read from: the seeded `raw` schema (the committed sample) or, when the
    var `raw_extracts_path` is set, the user's own extracts in that folder, for each table
    (first found):
      <path>/<table>.parquet, <path>/<table>.csv    one file, re-exported whole
      <path>/<table>/**/*.parquet|csv               a folder of delta files, e.g. one Hive
                                                    partition per sync: <table>/load_date=2026-12-03/
    A delta folder's files are read as one table (columns matched by name; a file may lack
    optional columns); files or folders whose name starts with '.' or '_' (a loader's
    in-progress files) are left out. Landed files never change: new data comes in new files
    (docs/operations.md, "Delta landing").
    A table with neither (or, reading a loader's database, a table its schema lacks) is
    absent (a company without that system): with the var
    raw_absent_tables = 'empty' (the default) it reads as an empty table with the contract's
    columns, and the build starts by listing the absent tables and the KPI families that read
    them (macros/staging/raw_lineage.sql); with 'error' the build stops, naming every absent
    table. -#}
{% macro raw_relation(source_name, table_name, exclude_files=none) -%}
    {%- set path = var('raw_extracts_path', '') | trim -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if path == '' -%}
        {%- if execute and raw_database_mode() and load_relation(relation) is none -%}
            {%- if raw_absent_tables_mode() == 'error' -%}
                {{ exceptions.raise_compiler_error("raw table " ~ relation ~ " not found (var raw_absent_tables is 'error'; set it to 'empty' to build without this table)") }}
            {%- endif -%}
            {{ return(absent_raw_relation(table_name)) }}
        {%- endif -%}
        {{ return(relation) }}
    {%- else -%}
        {{ return(adapter.dispatch('raw_file_relation', 'abm_warehouse')(path, table_name, exclude_files)) }}
    {%- endif -%}
{%- endmacro %}

{% macro raw_location(source_name, table_name) -%}
    {%- set path = var('raw_extracts_path', '') | trim -%}
    {%- if path == '' -%}{{ source(source_name, table_name) }}{%- else -%}{{ raw_extract(path, table_name).location }}{%- endif -%}
{%- endmacro %}

{#- Whether the raw table is a folder of delta files (false for the seeds, one-file and absent tables). -#}
{% macro raw_is_folder(table_name) -%}
    {%- set path = var('raw_extracts_path', '') | trim -%}
    {{ return(path != '' and raw_extract(path, table_name).kind == 'folder') }}
{%- endmacro %}

{#- The extract of a table: {kind: 'file' | 'folder' | 'absent', location, parquet: [files],
    csv: [files]}. One file wins over a folder, Parquet over CSV. Before execution (parsing): a
    placeholder. An absent table is an error unless var raw_absent_tables is 'empty'. -#}
{% macro raw_extract(path, table_name) -%}
    {%- set extract = find_raw_extract(path, table_name) -%}
    {%- if extract.kind == 'absent' and raw_absent_tables_mode() == 'error' -%}
        {{ exceptions.raise_compiler_error("raw extract for table '" ~ table_name ~ "' not found: expected " ~ extract.location ~ " (var raw_absent_tables is 'error'; set it to 'empty' to build without this table)") }}
    {%- endif -%}
    {{ return(extract) }}
{%- endmacro %}

{#- Whether the sources read a loader's database (ABM_RAW_DATABASE_PATH attached as `landing`,
    or var raw_database): there a table may be absent, as in an extracts folder. -#}
{% macro raw_database_mode() -%}
    {{ return((var('raw_database', '') or env_var('ABM_RAW_DATABASE_PATH', '')) | trim != '') }}
{%- endmacro %}

{#- var raw_absent_tables: 'empty' (an absent table reads as empty) or 'error'. -#}
{% macro raw_absent_tables_mode() -%}
    {%- set mode = (var('raw_absent_tables', 'empty') or 'empty') | string | trim | lower -%}
    {%- if mode not in ('empty', 'error') -%}
        {{ exceptions.raise_compiler_error("var raw_absent_tables must be 'empty' or 'error', not '" ~ mode ~ "'") }}
    {%- endif -%}
    {{ return(mode) }}
{%- endmacro %}

{% macro find_raw_extract(path, table_name) -%}
    {%- set base = path.rstrip('/') ~ '/' ~ table_name -%}
    {%- if not execute -%}
        {{ return({'kind': 'file', 'location': base ~ '.csv', 'parquet': [], 'csv': [base ~ '.csv']}) }}
    {%- endif -%}
    {#- one listing (a query per pattern cost a round trip each, four per table) -#}
    {%- set listed = run_query(
        "select file from glob('" ~ base ~ ".parquet') union all select file from glob('" ~ base
        ~ ".csv') union all select file from glob('" ~ base ~ "/**')"
    ).columns[0].values() | list -%}
    {%- for suffix in ['parquet', 'csv'] -%}
        {%- if (base ~ '.' ~ suffix) in listed -%}
            {{ return({'kind': 'file', 'location': base ~ '.' ~ suffix,
                       'parquet': [base ~ '.parquet'] if suffix == 'parquet' else [],
                       'csv': [base ~ '.csv'] if suffix == 'csv' else []}) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set files = {'parquet': [], 'csv': []} -%}
    {%- for file in listed | sort if file.startswith(base ~ '/') -%}
        {%- set suffix = file.rsplit('.', 1)[-1] if '.' in file.rsplit('/', 1)[-1] else '' -%}
        {%- if suffix in ('parquet', 'csv') -%}
            {%- set hidden = [] -%}
            {%- for part in file[base | length + 1:].split('/') if part.startswith('.') or part.startswith('_') -%}
                {%- do hidden.append(part) -%}
            {%- endfor -%}
            {%- if not hidden -%}
                {%- do files[suffix].append(file) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not files.parquet and not files.csv -%}
        {{ return({'kind': 'absent', 'location': base ~ '.parquet, ' ~ base ~ '.csv or a folder ' ~ base ~ '/ of .parquet / .csv files', 'parquet': [], 'csv': []}) }}
    {%- endif -%}
    {{ return({'kind': 'folder', 'location': base ~ '/', 'parquet': files.parquet, 'csv': files.csv}) }}
{%- endmacro %}

{#- A SQL list of file names. -#}
{% macro _raw_file_list(files) -%}
    [{%- for f in files -%}'{{ f | replace("'", "''") }}'{{ ", " if not loop.last }}{%- endfor -%}]
{%- endmacro %}

{#- The relation of a table's extract. `exclude_files`: files already read (an incremental base
    model's), left out; then the relation may be empty (one row of NULLs is never produced: the
    columns come from the first file). Every row carries `_source_file`, the file it came from. -#}
{% macro default__raw_file_relation(path, table_name, exclude_files=none) -%}
    {%- set extract = raw_extract(path, table_name) -%}
    {%- if extract.kind == 'absent' -%}
        {{ return(absent_raw_relation(table_name)) }}
    {%- endif -%}
    {%- set skip = exclude_files or [] -%}
    {%- set parquet = extract.parquet | reject('in', skip) | list -%}
    {%- set csv = extract.csv | reject('in', skip) | list -%}
    {%- set reads = [] -%}
    {%- if parquet -%}
        {%- do reads.append("select * from read_parquet(" ~ _raw_file_list(parquet) ~ ", union_by_name = true, hive_partitioning = false, filename = '_source_file')") -%}
    {%- endif -%}
    {%- if csv -%}
        {%- do reads.append("select * from read_csv(" ~ _raw_file_list(csv) ~ ", header = true, all_varchar = true, union_by_name = true, hive_partitioning = false, filename = '_source_file')") -%}
    {%- endif -%}
    {%- if not reads -%}
        {#- every file already read: the first one, with no rows -#}
        {%- set any_file = (extract.parquet + extract.csv)[0] -%}
        {%- if any_file.endswith('.parquet') -%}
            {%- do reads.append("select * from read_parquet('" ~ any_file ~ "', filename = '_source_file') limit 0") -%}
        {%- else -%}
            {%- do reads.append("select * from read_csv('" ~ any_file ~ "', header = true, all_varchar = true, filename = '_source_file') limit 0") -%}
        {%- endif -%}
    {%- endif -%}
    ({{ reads | join(' union all by name ') }})
{%- endmacro %}

{#- An absent table: no rows, every column of the contract (text, as a CSV is read). -#}
{% macro absent_raw_relation(table_name) -%}
    {%- set columns = [] -%}
    {%- for node in graph.sources.values() if node.name == table_name -%}
        {%- for column in node.columns.values() -%}
            {%- do columns.append(column.name) -%}
        {%- endfor -%}
    {%- endfor -%}
    (select
        {%- for name in columns %}
        cast(null as {{ dbt.type_string() }}) as {{ raw_col(name) }},
        {%- endfor %}
        cast(null as {{ dbt.type_string() }}) as _source_file
    where 1 = 0)
{%- endmacro %}

{#- Column names the raw relation actually has (introspected at run time). -#}
{% macro raw_columns_present(relation) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set result = run_query("select * from " ~ relation ~ " limit 0") -%}
    {{ return(result.column_names | list) }}
{%- endmacro %}

{#- Spark: reading the extracts folder needs a file-existence check (DuckDB's glob()) that
    Spark SQL does not have; not supported yet (docs/spark_status.md). -#}
{% macro spark__raw_file_relation(path, table_name, exclude_files=none) -%}
    {{ exceptions.raise_compiler_error("raw_extracts_path is not supported on the spark target yet: load the extracts into the `raw` schema (seeds) instead") }}
{%- endmacro %}
