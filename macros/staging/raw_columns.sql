{#- Column drift between a raw extract and the raw contract.

    var raw_column_map: {<table>: {<contract column>: <column as the file has it>}} maps a
    user's column names onto the contract without editing files, the way Fivetran's dbt
    packages take rename / passthrough vars, e.g. an opportunity export whose amount arrives as
    the custom field `Amount__c`:

        vars:
          raw_column_map:
            opportunity:
              amount: Amount__c

    The base model reads the file with the landed column renamed (DuckDB's `* rename`), so every
    check and rule of staging applies to it as to the contract's own column. A mapped column
    the file does not have, or a file that has both names, is an error naming the file.

    A column of the file that is neither in the contract nor mapped is ignored by staging; it
    is listed in a warning (with the contract column it may be a rename of: an absent contract
    column with the same name once case, `__c` suffixes and punctuation are ignored, or whose
    name ends the landed one), so a renamed column does not silently become NULL. Columns whose
    name starts with `_` are a loader's bookkeeping (`_loaded_at`, `_source_file`,
    `_dlt_load_id`, `_fivetran_synced`, ...) and are not listed, nor are the columns a user
    declares known in the var raw_ignored_columns ({<table>: [<column>, ...]}: the custom
    fields an export carries that the warehouse does not use). -#}

{% macro raw_column_mapping(table_name) -%}
    {%- set configured = var('raw_column_map', {}) or {} -%}
    {%- set mapping = {} -%}
    {%- for contract_name, landed in (configured.get(table_name) or {}).items() -%}
        {%- do mapping.update({contract_name | lower: landed}) -%}
    {%- endfor -%}
    {{ return(mapping) }}
{%- endmacro %}

{#- The raw relation with the mapped columns renamed to their contract names; `landed`: the
    columns the relation has (raw_columns_present). -#}
{% macro mapped_raw_relation(relation, table_name, location, mapping, names, landed) -%}
    {%- set landed_lower = landed | map('lower') | list -%}
    {%- set renames = [] -%}
    {%- for contract_name, column in mapping.items() -%}
        {%- if contract_name not in names | map('lower') | list -%}
            {{ exceptions.raise_compiler_error("var raw_column_map maps '" ~ column ~ "' onto '" ~ contract_name ~ "', which is not a column of the raw contract's table " ~ table_name ~ " (its columns: " ~ names | join(', ') ~ ")") }}
        {%- endif -%}
        {%- if column | lower not in landed_lower -%}
            {{ exceptions.raise_compiler_error("var raw_column_map maps " ~ table_name ~ "." ~ contract_name ~ " to the column '" ~ column ~ "', but raw extract " ~ location ~ " has no such column (its columns: " ~ landed | join(', ') ~ ")") }}
        {%- endif -%}
        {%- if column | lower != contract_name -%}
            {%- if contract_name in landed_lower -%}
                {{ exceptions.raise_compiler_error("var raw_column_map maps " ~ table_name ~ "." ~ contract_name ~ " to the column '" ~ column ~ "', but raw extract " ~ location ~ " also has a column '" ~ contract_name ~ "': drop the mapping or one of the columns") }}
            {%- endif -%}
            {%- do renames.append(adapter.quote(column) ~ ' as ' ~ adapter.quote(contract_name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not renames -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- if target.type != 'duckdb' -%}
        {{ exceptions.raise_compiler_error("var raw_column_map is supported on the duckdb target only") }}
    {%- endif -%}
    {{ return('(select * rename (' ~ renames | join(', ') ~ ') from ' ~ relation ~ ')') }}
{%- endmacro %}

{#- A name reduced for comparison: lower case, no `__c` suffix, letters and digits only. -#}
{% macro _column_stem(name) -%}
    {{ return(modules.re.sub('[^a-z0-9]', '', modules.re.sub('__c$', '', name | lower))) }}
{%- endmacro %}

{#- The landed columns staging ignores, each with the absent contract column it may be. -#}
{% macro unknown_raw_columns(table_name, names, landed) -%}
    {%- set ignored = (var('raw_ignored_columns', {}) or {}).get(table_name) or [] -%}
    {%- set known = (names + ignored) | map('lower') | list -%}
    {%- set landed_lower = landed | map('lower') | list -%}
    {%- set absent = [] -%}
    {%- for name in names if name | lower not in landed_lower -%}
        {%- do absent.append(name) -%}
    {%- endfor -%}
    {%- set unknown = [] -%}
    {%- for column in landed if column | lower not in known and not column.startswith('_') -%}
        {%- set stem = _column_stem(column) -%}
        {%- set guesses = [] -%}
        {%- for name in absent -%}
            {%- set contract_stem = _column_stem(name) -%}
            {%- if stem == contract_stem
                or (contract_stem | length >= 4 and stem.endswith(contract_stem)) -%}
                {%- do guesses.append(name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do unknown.append({'column': column, 'guess': guesses[0] if guesses else none}) -%}
    {%- endfor -%}
    {{ return(unknown) }}
{%- endmacro %}

{% macro warn_unknown_raw_columns(table_name, location, names, landed) -%}
    {%- set unknown = unknown_raw_columns(table_name, names, landed) -%}
    {%- if unknown -%}
        {%- set listed = [] -%}
        {%- set example = [] -%}
        {%- for u in unknown -%}
            {%- if u.guess -%}
                {%- do listed.append("'" ~ u.column ~ "' (a rename of '" ~ u.guess ~ "', absent from the file?)") -%}
                {%- do example.append(u.guess ~ ': ' ~ u.column) -%}
            {%- else -%}
                {%- do listed.append("'" ~ u.column ~ "'") -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set hint = " Map a renamed column onto the contract with the var raw_column_map, e.g. --vars '{raw_column_map: {" ~ table_name ~ ": {" ~ example[0] ~ "}}}'." if example else "" -%}
        {%- set hint = hint ~ " Columns the warehouse should not use: list them in the var raw_ignored_columns ({" ~ table_name ~ ": [...]})." -%}
        {{ exceptions.warn("raw extract " ~ location ~ ": column(s) not in the raw contract, ignored by staging: " ~ listed | join(', ') ~ "." ~ hint) }}
    {%- endif -%}
{%- endmacro %}
