{#- Column drift that would change a KPI: a contract column that the kpi_ marts need, absent from
    a raw extract.

    A column of the raw contract that is not required may be absent from a file; staging reads
    it as NULL in every row. That is harmless for a column no KPI reads (a contact's department)
    and silently wrong for one a KPI does: an opportunity export whose `amount` arrives as
    `Amount__c` would publish won amount 0 in every month. Which KPIs need which column is the
    project's column-level lineage (src/abm_warehouse/quality/column_lineage.py: every kpi_ mart column
    traced through the compiled SQL to the contract columns it reads, filters and joins
    included), rendered into the sources YAML as column `meta.needed_by` by
    `abm-warehouse contract --write`.

    A column with a `needed_by`, absent from the file (after var raw_column_map's renames), stops
    the build with an error naming the file, the column and the KPI families (kpi_ marts), unless
    the var raw_absent_columns declares it: {<table>: [<contract column>, ...]} for a system that
    has no such field (those KPIs are then NULL or partial, and the build logs it). A table absent
    altogether (no file) is not column drift: it reads as an empty table with every column
    (macros/staging/raw_relation.sql). Required columns are checked before, by stage_raw_table. -#}

{#- var raw_absent_columns for one table: [contract column, ...] (lower case), each checked to be
    a column of the contract's table. -#}
{% macro raw_absent_columns(table_name, names) -%}
    {%- set configured = var('raw_absent_columns', {}) or {} -%}
    {%- set declared = configured.get(table_name) or [] -%}
    {%- if declared is string -%}{%- set declared = [declared] -%}{%- endif -%}
    {%- set contract_names = names | map('lower') | list -%}
    {%- set absent = [] -%}
    {%- for column in declared -%}
        {%- if column | lower not in contract_names -%}
            {{ exceptions.raise_compiler_error("var raw_absent_columns declares '" ~ column ~ "' absent from " ~ table_name ~ ", but it is not a column of the raw contract's table " ~ table_name ~ " (its columns: " ~ names | join(', ') ~ ")") }}
        {%- endif -%}
        {%- do absent.append(column | lower) -%}
    {%- endfor -%}
    {{ return(absent) }}
{%- endmacro %}

{#- Stop the build when a needed column is absent from the extract. `columns`: the source's
    column nodes (with meta.needed_by); `landed`: the columns the relation has, after renames. -#}
{% macro raise_on_absent_needed_columns(table_name, location, columns, landed) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set present = landed | map('lower') | list -%}
    {%- set names = columns | map(attribute='name') | list -%}
    {%- set missing = [] -%}
    {%- for c in columns if not c.meta.required and c.meta.needed_by and c.name | lower not in present -%}
        {%- do missing.append(c) -%}
    {%- endfor -%}
    {%- if not missing -%}{{ return('') }}{%- endif -%}
    {#- a table with no file at all reads as empty with every column: not drift -#}
    {%- set path = var('raw_extracts_path', '') | trim -%}
    {%- if path != '' and raw_extract(path, table_name).kind == 'absent' -%}{{ return('') }}{%- endif -%}
    {%- set declared = raw_absent_columns(table_name, names) -%}
    {%- set undeclared = [] -%}
    {%- for c in missing -%}
        {%- if c.name | lower in declared -%}
            {{ log("raw extract " ~ location ~ " lacks the column '" ~ c.name ~ "' (declared in var raw_absent_columns): " ~ c.meta.needed_by | join(', ') ~ " read it as NULL and are NULL or partial", info=true) }}
        {%- else -%}
            {%- do undeclared.append(c) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if undeclared -%}
        {#- a landed column that looks like a rename of the missing one (raw_columns.sql) -#}
        {%- set guesses = {} -%}
        {%- for u in unknown_raw_columns(table_name, names, landed) if u.guess and u.guess not in guesses -%}
            {%- do guesses.update({u.guess: u.column}) -%}
        {%- endfor -%}
        {%- set lacks = [] -%}
        {%- set mapped = [] -%}
        {%- for c in undeclared -%}
            {%- do lacks.append("the column '" ~ c.name ~ "', which " ~ c.meta.needed_by | join(', ') ~ " need") -%}
            {%- do mapped.append(c.name ~ ': ' ~ guesses.get(c.name, '<your column>')) -%}
        {%- endfor -%}
        {%- set them = 'it' if undeclared | length == 1 else 'them' -%}
        {{ exceptions.raise_compiler_error(
            "raw extract " ~ location ~ " lacks " ~ lacks | join('; and ')
            ~ ": map " ~ them ~ " with var raw_column_map ({" ~ table_name ~ ": {" ~ mapped | join(', ') ~ "}})"
            ~ " or, if your system has no such field, declare " ~ them ~ " with var raw_absent_columns ({"
            ~ table_name ~ ": [" ~ undeclared | map(attribute='name') | join(', ') ~ "]})"
            ~ " and those KPIs will be NULL/partial") }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
