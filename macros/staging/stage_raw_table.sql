{#- The base model of one raw table: every raw row, with a stable key, its outcome and the
    quarantine reason. Column metadata (contract type, required) comes from the source's YAML,
    rendered from the raw contract.

    outcome / reason, first that applies:
      the row repeats the header line         -> quarantined / repeated_header (every
                                                 column holds its own name or nothing)
      a required key column blank             -> quarantined / missing_id
      the latest versions of the key tie      -> quarantined / conflicting_duplicate (each
      (same _loaded_at and last_modified_date)   distinct version once; its exact copies and
      but differ in a value                      the older versions are superseded)
      an older version of the same key        -> superseded (latest _loaded_at, then
                                                 last_modified_date, wins)
      another required column blank           -> quarantined / missing_required_value
      a date / timestamp (or _loaded_at) that -> quarantined / invalid_timestamp
      is present but does not parse (ISO-8601 only: no 31/12/2025, no Excel serial 45678)
      a money column negative or non-numeric  -> quarantined / invalid_amount
      an integer, decimal or boolean column   -> quarantined / invalid_value
      present but unparseable (1234,50; 1.200,00)
      is_deleted = true                       -> quarantined / soft_deleted
      otherwise                               -> staged
    Exact copies of a row (same values, same load) count once: the first is the version, the
    others are superseded.

    Own extracts (var raw_extracts_path) are checked before they are read: a 0-byte CSV file
    stops the build naming the file (it has no header line); an extract without a data row
    (a header line only) is staged empty, with a warning naming it.

    Incremental (the append-only event tables, contract.APPEND_ONLY_TABLES): a run restages
    only the keys with newly arrived raw rows, with every version of those keys, so they are
    ranked again; delete+insert by `_raw_row_key` (stable per raw row) replaces those rows'
    old outcomes. Rows with a blank key are their own group: new ones are added.
      - a folder of delta files: the arrived rows are the rows of the files this model has not
        read yet (each base row keeps its `_source_file`), the older versions of their keys
        come from this model itself: no landed file is read twice;
      - one file (re-exported whole) or the seeded sample: the arrived rows are the rows
        loaded after the model's newest `_loaded_at` (or without a parseable one), and every
        raw row of their keys is read again. A load that arrives with load times below the
        newest already staged would be missed: the staging_outcomes test (raw rows = base
        rows) fails then, and `--full-refresh` restages.
    stamp_rows (the append-only tables): a `dbt_refreshed_at` column, the run that (re)wrote
    the row, so the models downstream find the restaged keys without parsing load times.
-#}
{% macro stage_raw_table(source_name, table_name, stamp_rows=false) %}
    {%- set from_new_files = is_incremental() and raw_is_folder(table_name) -%}
    {%- set read_files = [] -%}
    {%- if from_new_files and execute -%}
        {%- set read_files = run_query("select distinct _source_file from " ~ this ~ " where _source_file is not null").columns[0].values() | list -%}
    {%- endif -%}
    {%- set relation = raw_relation(source_name, table_name, exclude_files=read_files) -%}
    {%- set node = graph.sources.get('source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name) if execute else none -%}
    {%- if node is none -%}
        select * from {{ relation }}
    {%- else -%}
    {%- set columns = node.columns.values() | list -%}
    {%- set key = node.meta.key -%}
    {%- set names = columns | map(attribute='name') | list -%}
    {%- set location = raw_location(source_name, table_name) -%}
    {%- do check_raw_files(table_name, read_files) -%}
    {#- the user's names mapped onto the contract's, unknown columns listed (raw_columns.sql) -#}
    {%- set mapping = raw_column_mapping(table_name) -%}
    {%- if mapping and execute -%}
        {%- set relation = mapped_raw_relation(relation, table_name, location, mapping, names, raw_columns_present(relation)) -%}
    {%- endif -%}
    {%- set landed = raw_columns_present(relation) -%}
    {%- set present = landed | map('lower') | list -%}
    {%- if execute -%}
        {{- warn_unknown_raw_columns(table_name, location, names, landed) -}}
    {%- endif -%}
    {%- for c in columns if c.meta.required and c.name | lower not in present -%}
        {{ exceptions.raise_compiler_error("raw extract " ~ location ~ " is missing the required column '" ~ c.name ~ "'") }}
    {%- endfor -%}
    {{- raise_on_absent_needed_columns(table_name, location, columns, landed) -}}
    {%- if execute and not from_new_files -%}
        {%- do warn_empty_raw_extract(table_name, location, relation) -%}
    {%- endif -%}
    {%- set required_keys = [] -%}
    {%- set required_other = [] -%}
    {%- set times = [] -%}
    {%- set money = [] -%}
    {%- set parsed = [] -%}
    {%- set header_checks = [] -%}
    {%- for c in columns -%}
        {%- if c.meta.required and c.name in key -%}{%- do required_keys.append(c.name) -%}
        {%- elif c.meta.required -%}{%- do required_other.append(c.name) -%}{%- endif -%}
        {%- if c.name | lower in present -%}
            {%- if c.meta.contract_type == 'date' -%}{%- do times.append((c.name, stage_date(c.name))) -%}
            {%- elif c.meta.contract_type == 'timestamp' -%}{%- do times.append((c.name, stage_timestamp(c.name))) -%}
            {%- elif c.meta.contract_type == 'integer' -%}{%- do parsed.append((c.name, stage_integer(c.name))) -%}
            {%- elif c.meta.contract_type == 'decimal' -%}{%- do parsed.append((c.name, stage_decimal(c.name))) -%}
            {%- elif c.meta.contract_type == 'boolean' -%}{%- do parsed.append((c.name, stage_boolean(c.name))) -%}
            {%- endif -%}
            {#- a repeated header line: each column holds its own name as the file has it -#}
            {%- set header = (mapping.get(c.name | lower) or c.name) | lower | replace("'", "''") -%}
            {%- if c.meta.required and c.name in key -%}
                {%- do header_checks.append("coalesce(lower(" ~ stage_text(c.name) ~ ") = '" ~ header ~ "', false)") -%}
            {%- else -%}
                {%- do header_checks.append("coalesce(lower(" ~ stage_text(c.name) ~ ") = '" ~ header ~ "', " ~ stage_text(c.name) ~ " is null)") -%}
            {%- endif -%}
        {%- endif -%}
        {%- if c.meta.contract_type == 'money' -%}{%- do money.append(c.name) -%}{%- endif -%}
    {%- endfor -%}
    {%- if '_loaded_at' not in names and '_loaded_at' in present -%}
        {%- do times.append(('_loaded_at', stage_timestamp('_loaded_at'))) -%}
        {%- do header_checks.append("coalesce(lower(" ~ stage_text('_loaded_at') ~ ") = '_loaded_at', " ~ stage_text('_loaded_at') ~ " is null)") -%}
    {%- endif -%}
    {%- set version_order = ['_version_loaded_at'] + (['_version_modified_at'] if 'last_modified_date' in names else []) %}

with raw_all as (

    select
        {%- for name in names %}
        {% if name | lower in present %}cast({{ raw_col(name) }} as {{ dbt.type_string() }}){% else %}cast(null as {{ dbt.type_string() }}){% endif %} as {{ raw_col(name) }},
        {%- endfor %}
        {% if '_loaded_at' not in names %}{% if '_loaded_at' in present %}cast(_loaded_at as {{ dbt.type_string() }}){% else %}cast(null as {{ dbt.type_string() }}){% endif %} as _loaded_at,{% endif %}
        {% if '_source_file' in present %}cast(_source_file as {{ dbt.type_string() }}){% else %}cast(null as {{ dbt.type_string() }}){% endif %} as _source_file,
        1 as _one
    from {{ relation }}

),

{% if from_new_files -%}
{%- if key | length != 1 -%}
    {{ exceptions.raise_compiler_error("incremental staging of " ~ table_name ~ " needs a single-column key, not " ~ key) }}
{%- endif %}
{#- raw_all holds only the rows of the files not read yet (small): referenced twice, it is
    materialized once. -#}
arrived_keys as (

    select distinct {{ stage_text(key[0]) }} as _stage_key
    from raw_all
    where {{ stage_text(key[0]) }} is not null

),

raw_rows as (

    select * from raw_all
    {#- The stored rows of the arrived keys. A stored raw key that is its own staged form is
        matched as it is; one that is not (blanks around it) by `_trimmed_key`, the staged form
        kept where it differs. Both are plain columns, so the semi-joins filter the scan before
        the other columns are read, where trimming every stored key read them all (50M rows:
        seconds). The two parts are disjoint: a raw key with blanks around it is no staged key. #}
    {%- for stored_key in [raw_col(key[0]), '_trimmed_key'] %}

    union all

    select
        {%- for name in names %}
        {{ raw_col(name) }},
        {%- endfor %}
        {%- if '_loaded_at' not in names %}
        _loaded_at,
        {%- endif %}
        _source_file,
        1 as _one
    from {{ this }}
    where {{ stored_key }} in (select _stage_key from arrived_keys)
    {%- endfor %}

),
{%- elif is_incremental() -%}
{%- if key | length != 1 -%}
    {{ exceptions.raise_compiler_error("incremental staging of " ~ table_name ~ " needs a single-column key, not " ~ key) }}
{%- endif %}
watermark as (

    select max({{ stage_timestamp('_loaded_at') }}) as loaded_at
    from {{ this }}

),

{#- Read from the raw relation itself, not from raw_all: a CTE referenced twice is
    materialized by DuckDB (every raw row, every column), and only two columns are needed. -#}
arrived as (

    select
        {{ stage_text(key[0]) }} as _stage_key,
        {{ stage_timestamp('_loaded_at') }} as _loaded_ts
    from (
        select
            cast({{ raw_col(key[0]) }} as {{ dbt.type_string() }}) as {{ raw_col(key[0]) }},
            {% if '_loaded_at' in present %}cast(_loaded_at as {{ dbt.type_string() }}){% else %}cast(null as {{ dbt.type_string() }}){% endif %} as _loaded_at
        from {{ relation }}
    ) as raw_keys

),

arrived_keys as (

    select distinct _stage_key
    from arrived
    where
        _stage_key is not null
        and (
            _loaded_ts is null
            or _loaded_ts > (select loaded_at from watermark)
            or (select loaded_at from watermark) is null
        )

),

raw_rows as (

    select *
    from raw_all
    where
        {{ stage_text(key[0]) }} in (select _stage_key from arrived_keys)
        or (
            {{ stage_text(key[0]) }} is null
            and (
                {{ stage_timestamp('_loaded_at') }} is null
                or {{ stage_timestamp('_loaded_at') }} > (select loaded_at from watermark)
                or (select loaded_at from watermark) is null
            )
        )

),
{%- else %}
raw_rows as (

    select * from raw_all

),
{%- endif %}

hashed as (

    select
        *,
        {#- one variadic concat (not a chain of ||: a new string per operand) of the same text -#}
        {{ dbt.hash('concat(' ~ raw_row_parts(names + (['_loaded_at'] if '_loaded_at' not in names else [])) | join(', ') ~ ')') }} as _row_hash
    from raw_rows

),

checked as (

    select
        *,
        -- issues of the row itself, before versions are ranked
        case
            {%- if header_checks %}
            when {{ header_checks | join(' and ') }}
                then 'repeated_header'
            {%- endif %}
            {%- if required_keys %}
            when {% for k in required_keys %}{{ stage_text(k) }} is null{% if not loop.last %} or {% endif %}{% endfor %}
                then 'missing_id'
            {%- endif %}
        end as _row_issue,
        -- issues of the record's latest version
        case
            {%- if required_other %}
            when {% for k in required_other %}{{ stage_text(k) }} is null{% if not loop.last %} or {% endif %}{% endfor %}
                then 'missing_required_value'
            {%- endif %}
            {%- if times %}
            when {% for name, typed in times %}({{ stage_text(name) }} is not null and {{ typed }} is null){% if not loop.last %} or {% endif %}{% endfor %}
                then 'invalid_timestamp'
            {%- endif %}
            {%- if money %}
            when {% for m in money %}{{ is_invalid_money(m) }}{% if not loop.last %} or {% endif %}{% endfor %}
                then 'invalid_amount'
            {%- endif %}
            {%- if parsed %}
            when {% for name, typed in parsed %}({{ stage_text(name) }} is not null and {{ typed }} is null){% if not loop.last %} or {% endif %}{% endfor %}
                then 'invalid_value'
            {%- endif %}
        end as _record_issue,
        {% if 'is_deleted' in names %}coalesce({{ stage_boolean('is_deleted') }}, false){% else %}false{% endif %} as _is_deleted,
        {{ stage_timestamp('_loaded_at') }} as _version_loaded_at
        {%- if 'last_modified_date' in names %},
        {{ stage_timestamp('last_modified_date') }} as _version_modified_at
        {%- endif %}
    from hashed

),

{#- Versions of a key: newest load first, then newest last_modified_date, then row hash. Exact
    copies of a raw row (same hash) tie: row_number() - rank() numbers them 1, 2, ... (their
    ordinal, which makes _raw_row_key unique), and the first copy of the newest version is
    rank 1. Distinct versions that tie on load and modification time conflict
    (_is_conflicting: no version is the latest). One window, one sort of the rows. -#}
ranked as (

    select
        *,
        row_number() over versions as _version_rank,
        row_number() over versions - rank() over versions + 1 as _copy_ordinal,
        {{ adapter.dispatch('version_conflict', 'abm_warehouse')(key, version_order) }} as _is_conflicting
    from checked
    window versions as (
        partition by {% for k in key %}{{ stage_text(k) }}{% if not loop.last %}, {% endif %}{% endfor %}
        order by
            {% for c in version_order %}{{ c }} desc nulls last,
            {% endfor -%}
            _row_hash
    )

),

final as (

    select
        {%- for name in names %}
        {{ raw_col(name) }},
        {%- endfor %}
        {%- if '_loaded_at' not in names %}
        _loaded_at,
        {%- endif %}
        _source_file,
        {%- if key | length == 1 %}
        case
            when {{ raw_col(key[0]) }} <> trim({{ raw_col(key[0]) }}) then {{ stage_text(key[0]) }}
        end as _trimmed_key,
        {%- endif %}
        {{ dbt.hash(dbt.concat(['_row_hash', "'#'", dbt.safe_cast('_copy_ordinal', dbt.type_string())])) }} as _raw_row_key,
        case
            when _row_issue is not null then 'quarantined'
            when _is_conflicting and _copy_ordinal = 1 then 'quarantined'
            when _version_rank > 1 then 'superseded'
            when _record_issue is not null or _is_deleted then 'quarantined'
            else 'staged'
        end as _row_outcome,
        case
            when _row_issue is not null then _row_issue
            when _is_conflicting and _copy_ordinal = 1 then 'conflicting_duplicate'
            when _version_rank > 1 then null
            when _record_issue is not null then _record_issue
            when _is_deleted then 'soft_deleted'
        end as _quarantine_reason
        {%- if stamp_rows %},
        {#- the rows this run (re)wrote: the staged model and int_email_send_events find them
            (on every engine, so that their SQL and unit tests are the same everywhere) -#}
        {{ run_stamp() }} as dbt_refreshed_at
        {%- endif %}
    from ranked

)

select * from final
    {%- endif %}
{% endmacro %}


{#- The parts of a raw row's hash: every value, NULL made distinct from '', separated. -#}
{% macro raw_row_parts(names) -%}
    {%- set parts = [] -%}
    {%- for name in names -%}
        {%- do parts.append("coalesce(" ~ raw_col(name) ~ ", '\u2400')") -%}
        {%- if not loop.last %}{%- do parts.append("'\u241f'") -%}{% endif -%}
    {%- endfor -%}
    {{ return(parts) }}
{%- endmacro %}


{#- Whether a row is one of the distinct versions of its key that tie as the latest (same load
    and modification times, different values): true on the first of them (and on their copies);
    the window `versions` orders a key's rows newest first, then by row hash. DuckDB: in the
    same window (one sort), a row after the first is tied when its times equal the first row's
    and it is not a copy of it (rank > 1); the first row is tied when the next group of peers
    (its copies are its own group) has its times. -#}
{% macro duckdb__version_conflict(key, order) -%}
    (
        (
            rank() over versions > 1
            {%- for c in order %}
            and first_value({{ c }}) over versions is not distinct from {{ c }}
            {%- endfor %}
        )
        or (
            row_number() over versions = 1
            and last_value(_row_hash) over (versions groups between 1 following and 1 following) is not null
            {%- for c in order %}
            and last_value({{ c }}) over (versions groups between 1 following and 1 following) is not distinct from {{ c }}
            {%- endfor %}
        )
    )
{%- endmacro %}

{#- Other engines (no GROUPS frames): the rows tied with the first hold more than one row hash. -#}
{% macro default__version_conflict(key, order) -%}
    (
        {%- for c in order %}
        (first_value({{ c }}) over versions = {{ c }} or (first_value({{ c }}) over versions is null and {{ c }} is null))
        and
        {%- endfor %}
        {%- set ties = [] -%}
        {%- for k in key %}{% do ties.append(stage_text(k)) %}{% endfor -%}
        {%- set ties = 'partition by ' ~ (ties + order) | join(', ') %}
        min(_row_hash) over ({{ ties }}) <> max(_row_hash) over ({{ ties }})
    )
{%- endmacro %}


{#- Own extracts only: a 0-byte CSV file (no header line; DuckDB would read it as one column
    `column0`) stops the build naming the file. `read_files`: the files an incremental run
    already read, not read again. -#}
{% macro check_raw_files(table_name, read_files) -%}
    {%- set path = var('raw_extracts_path', '') | trim -%}
    {%- if execute and path != '' and target.type == 'duckdb' -%}
        {%- set extract = raw_extract(path, table_name) -%}
        {%- set csv = extract.csv | reject('in', read_files or []) | list -%}
        {%- if csv -%}
            {%- set empty = run_query("select filename from read_blob(" ~ _raw_file_list(csv) ~ ") where size = 0 order by filename").columns[0].values() | list -%}
            {%- if empty -%}
                {{ exceptions.raise_compiler_error("raw extract " ~ empty | join(', ') ~ " is empty (0 bytes): line 1 should be the header line with the raw contract's columns of table '" ~ table_name ~ "'; write at least the header, or remove the file") }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Own extracts only: an extract without a single data row (a header line only) stages as an
    empty table, like an absent one; a warning names it, since a table that had rows probably
    should still have them. -#}
{% macro warn_empty_raw_extract(table_name, location, relation) -%}
    {%- set path = var('raw_extracts_path', '') | trim -%}
    {%- if execute and path != '' and raw_extract(path, table_name).kind != 'absent' -%}
        {%- if run_query("select 1 from " ~ relation ~ " limit 1") | length == 0 -%}
            {%- do exceptions.warn("raw extract " ~ location ~ " has no data rows (a header line only): table '" ~ table_name ~ "' is staged empty") -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
