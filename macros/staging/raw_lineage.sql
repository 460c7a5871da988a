{#- Which raw tables feed which models, read from the project's own graph (not a hand list),
    and which raw tables a run's extracts folder lacks.

    A model's raw inputs are the source tables upstream of it, following `ref`s and `source`s.
    A model whose YAML has `meta: {lineage_role: calendar}` (the reporting-month spine) reads
    every fact only for its date range: its inputs are not counted as the inputs of the models
    that join it, or every KPI would depend on every table. -#}

{#- ['<source>.<table>', ...] upstream of a node, sorted. `memo`: a dict shared by calls. -#}
{% macro upstream_raw_tables(unique_id, memo) -%}
    {%- if unique_id in memo -%}{{ return(memo[unique_id]) }}{%- endif -%}
    {%- set found = [] -%}
    {%- do memo.update({unique_id: found}) -%}
    {%- if unique_id in graph.sources -%}
        {%- set source_node = graph.sources[unique_id] -%}
        {%- do found.append(source_node.source_name ~ '.' ~ source_node.name) -%}
    {%- elif unique_id in graph.nodes -%}
        {%- set node = graph.nodes[unique_id] -%}
        {%- set meta = (node.config.meta if node.config is defined and node.config.meta else {}) or node.meta or {} -%}
        {%- if meta.get('lineage_role') != 'calendar' -%}
            {%- for parent in node.depends_on.nodes -%}
                {%- for table in upstream_raw_tables(parent, memo) if table not in found -%}
                    {%- do found.append(table) -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {%- set ordered = found | sort -%}
    {%- do memo.update({unique_id: ordered}) -%}
    {{ return(ordered) }}
{%- endmacro %}

{#- The raw inputs of every kpi_ mart: {model name: ['<source>.<table>', ...]}. -#}
{% macro kpi_raw_inputs() -%}
    {%- set memo = {} -%}
    {%- set inputs = {} -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() | sort(attribute='name') if node.resource_type == 'model' and node.name.startswith('kpi_') and node.config.enabled -%}
            {%- do inputs.update({node.name: upstream_raw_tables(node.unique_id, memo)}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(inputs) }}
{%- endmacro %}

{#- The raw tables absent from the extracts folder or the loader's database,
    ['<source>.<table>', ...]; [] for the seeded sample and before execution. -#}
{% macro absent_raw_tables() -%}
    {%- set path = var('raw_extracts_path', '') | trim -%}
    {%- set absent = [] -%}
    {%- if execute and (path != '' or raw_database_mode()) -%}
        {%- set landed = raw_extract_tables(path) if path != '' else [] -%}
        {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- if path != '' -%}
                {%- set missing = node.name not in landed -%}
            {%- else -%}
                {%- set missing = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.identifier) is none -%}
            {%- endif -%}
            {%- if missing -%}
                {%- do absent.append(node.source_name ~ '.' ~ node.name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(absent) }}
{%- endmacro %}

{#- The tables with an extract in the folder `path`, as find_raw_extract finds them (a file
    `<table>.parquet|csv`, or a folder `<table>/` holding such a file outside hidden folders and
    files, those starting with . or _): from one listing of the folder, where a lookup per table
    took four queries (seconds per model that asks for every table). -#}
{% macro raw_extract_tables(path) -%}
    {%- set root = path.rstrip('/') -%}
    {%- set found = [] -%}
    {%- for file in run_query("select file from glob('" ~ root ~ "/**')").columns[0].values() -%}
        {%- set parts = file[root | length + 1:].split('/') -%}
        {%- set suffix = parts[-1].rsplit('.', 1)[-1] if '.' in parts[-1] else '' -%}
        {%- if suffix in ('parquet', 'csv') -%}
            {%- if parts | length == 1 -%}
                {%- set table = parts[0][:-(suffix | length + 1)] -%}
            {%- else -%}
                {%- set hidden = [] -%}
                {%- for part in parts[1:] if part.startswith('.') or part.startswith('_') -%}
                    {%- do hidden.append(part) -%}
                {%- endfor -%}
                {%- set table = none if hidden else parts[0] -%}
            {%- endif -%}
            {%- if table and table not in found -%}{%- do found.append(table) -%}{%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{#- Contract columns declared absent (var raw_absent_columns) that kpi_ marts need (column
    meta.needed_by, the column-level lineage of src/abm_warehouse/quality/column_lineage.json):
    {kpi mart: ['<source>.<table>.<column>', ...]}. -#}
{% macro absent_needed_columns_by_mart() -%}
    {%- set declared = var('raw_absent_columns', {}) or {} -%}
    {%- set out = {} -%}
    {%- if execute and declared -%}
        {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- set listed = declared.get(node.name) or [] -%}
            {%- set listed = ([listed] if listed is string else listed) | map('lower') | list -%}
            {%- for column in node.columns.values() if column.name | lower in listed -%}
                {%- for mart in (column.meta or {}).get('needed_by') or [] -%}
                    {%- do out.setdefault(mart, []).append(node.source_name ~ '.' ~ node.name ~ '.' ~ column.name) -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(out) }}
{%- endmacro %}

{#- {kpi mart: '<absent table or declared-absent column>, ...'} of the kpi_ marts with any. -#}
{% macro absent_inputs_by_kpi_mart() -%}
    {%- set absent = absent_raw_tables() -%}
    {%- set columns = absent_needed_columns_by_mart() -%}
    {%- set out = {} -%}
    {%- if absent or columns -%}
        {%- for model, tables in kpi_raw_inputs().items() -%}
            {%- set missing = (tables | select('in', absent) | list) + (columns.get(model) or []) -%}
            {%- if missing -%}{%- do out.update({model: missing | sort | join(', ')}) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(out) }}
{%- endmacro %}

{#- on-run-start: list the absent raw tables and the KPI families (kpi_ marts) that read them,
    before anything builds; with var raw_absent_tables = 'error', stop here naming all of them. -#}
{% macro report_absent_raw_tables() -%}
    {%- if execute -%}
        {%- set absent = absent_raw_tables() -%}
        {%- if absent -%}
            {%- set path = var('raw_extracts_path', '') | trim or 'the raw database' -%}
            {%- if raw_absent_tables_mode() == 'error' -%}
                {{ exceptions.raise_compiler_error(
                    "raw extracts missing from " ~ path ~ ": " ~ absent | join(', ')
                    ~ " (var raw_absent_tables is 'error'; set it to 'empty' to build without them)") }}
            {%- endif -%}
            {{ log("Absent raw extracts in " ~ path ~ " (each read as an empty table): " ~ absent | join(', '), info=true) }}
            {%- set inputs = kpi_raw_inputs() -%}
            {%- set empty = [] -%}
            {%- set partial = [] -%}
            {%- for model, tables in inputs.items() -%}
                {%- set missing = tables | select('in', absent) | list -%}
                {%- if missing and missing | length == tables | length -%}
                    {%- do empty.append(model) -%}
                {%- elif missing -%}
                    {%- do partial.append(model ~ ' (no ' ~ missing | join(', ') ~ ')') -%}
                {%- endif -%}
            {%- endfor -%}
            {{ log("KPI families with no input at all (empty): " ~ (empty | join(', ') if empty else 'none'), info=true) }}
            {{ log("KPI families reading an absent table (not available where nothing was counted, else partial; see marts.kpi_monthly.availability): " ~ (partial | join('; ') if partial else 'none'), info=true) }}
        {%- endif -%}
        {%- set columns = absent_needed_columns_by_mart() -%}
        {%- if columns -%}
            {%- set listed = [] -%}
            {%- for model, missing in columns.items() -%}
                {%- do listed.append(model ~ ' (no ' ~ missing | join(', ') ~ ')') -%}
            {%- endfor -%}
            {{ log("KPI families reading a column declared absent (var raw_absent_columns): " ~ listed | join('; '), info=true) }}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
