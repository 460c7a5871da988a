{#- The `restage` incremental strategy (DuckDB): the run's rows carry the base model's
    `_row_outcome`; every key among them is deleted from the target, then only the staged rows
    are inserted, without that column. A key whose newest version was quarantined, soft-deleted
    or moved away so leaves the staged model (plain delete+insert would keep its old row).
    Used by the staged models of the append-only event tables (staged_events_config). The
    run's columns must be the target's (in any order) plus `_row_outcome`: anything else is a
    schema change and fails the run (rebuild with --full-refresh). -#}
{% macro get_incremental_restage_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set temp = arg_dict['temp_relation'] -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- if key is not string -%}
        {{ exceptions.raise_compiler_error("the restage strategy needs one key column, not " ~ key) }}
    {%- endif -%}
    {%- set target_columns = adapter.get_columns_in_relation(target) | map(attribute='name') | map('lower') | list -%}
    {%- set run_columns = adapter.get_columns_in_relation(temp) | map(attribute='name') | map('lower') | list -%}
    {%- if '_row_outcome' not in run_columns or (run_columns | reject('equalto', '_row_outcome') | sort | list) != (target_columns | sort | list) -%}
        {{ exceptions.raise_compiler_error(
            "restage of " ~ target ~ ": the run's columns " ~ run_columns ~ " are not the table's "
            ~ target_columns ~ " plus _row_outcome; the model changed: run it with --full-refresh") }}
    {%- endif -%}
    {%- set column_list = [] -%}
    {%- for c in target_columns -%}{%- do column_list.append(adapter.quote(c)) -%}{%- endfor %}
delete from {{ target }}
where {{ key }} in (select {{ key }} from {{ temp }} where {{ key }} is not null);

insert into {{ target }} ({{ column_list | join(', ') }})
select {{ column_list | join(', ') }}
from {{ temp }}
where _row_outcome = 'staged'
{%- endmacro %}

{#- The last select of a model restaged by key (restage_by_key_config): on an incremental run,
    the rows of `rows_cte` (outcome 'staged') and one marker row per key of `changed_cte`
    (outcome 'changed', deletes the key's old rows: a key left without rows leaves); on a full
    build, the rows alone. -#}
{% macro restaged_rows(rows_cte, changed_cte, key) -%}
    {%- if is_incremental() -%}
select *, 'staged' as _row_outcome from {{ rows_cte }}
union all by name
select {{ key }}, 'changed' as _row_outcome from {{ changed_cte }}
    {%- else -%}
select * from {{ rows_cte }}
    {%- endif -%}
{%- endmacro %}

{#- An aggregate of the model being run (`max(dbt_refreshed_at)`, a timestamp), as a SQL
    timestamp literal (`null` when it is NULL), when the model runs incrementally on DuckDB;
    none elsewhere (a unit test, where fixtures stand in for the relations and nothing may be
    read from the database; Spark, where these models are tables), where the model reads it
    from its `watermark` CTE. Read when the model runs (dbt compiles a node just before running
    it), so it is this run's watermark.

    Why a literal: the rows a run writes are appended at the end of the table, so a filter
    `dbt_refreshed_at > <literal>` skips every older row group by its min/max (zone maps),
    while the same filter against a joined watermark CTE with an `is null or` branch scans and
    tests every row (50M events: seconds per use, against milliseconds). -#}
{% macro stored_timestamp(aggregate) -%}
    {%- if reads_stored_rows() -%}
        {%- set value = run_query(
            "select strftime(cast(" ~ aggregate ~ " as timestamp), '%Y-%m-%d %H:%M:%S.%f') from " ~ this
        ).columns[0].values()[0] -%}
        {{- return("null" if value is none else "cast('" ~ value ~ "' as timestamp)") -}}
    {%- endif -%}
    {{- return(none) -}}
{%- endmacro %}

{#- Whether the node being run may read its own stored rows while it is compiled: an
    incremental run of a model on DuckDB (not a unit test, where fixtures stand in for the
    relations; not Spark, where these models are tables). -#}
{% macro reads_stored_rows() -%}
    {{- return(execute and model.resource_type == 'model' and target.type == 'duckdb' and is_incremental()) -}}
{%- endmacro %}

{#- The rows of `alias` (a relation that stamps dbt_refreshed_at) written since this model's
    last run: the condition. Given a `watermark` CTE with its newest dbt_refreshed_at
    (`refreshed_after`; NULL when it has none) where the literal is not available (unit tests,
    other engines); on DuckDB a comparison with the literal (stored_timestamp). -#}
{% macro written_since_watermark(alias) -%}
    {%- set newest = stored_timestamp('max(dbt_refreshed_at)') -%}
    {%- if newest == 'null' -%}
    true
    {%- elif newest -%}
    {{ alias }}.dbt_refreshed_at > {{ newest }}
    {%- else -%}
    (watermark.refreshed_after is null or {{ alias }}.dbt_refreshed_at > watermark.refreshed_after)
    {%- endif -%}
{%- endmacro %}

{#- The `columns` (a select list over `alias`) of the rows of `relation` this model must look at
    again: those written since its last run (written_since_watermark), and those whose
    `time_column` falls between `known_before` (the start of the day after the previous run's
    as-of date: a literal, or the watermark CTE's column) and the end of this run's as-of date,
    which a later as-of date makes known (and that meet `ripened_condition`, when given). The
    calling SQL has a `watermark` CTE. -#}
{% macro written_or_ripened(relation, alias, columns, time_column, known_before, ripened_condition=none) -%}
    select {{ columns }}
    from {{ relation }} as {{ alias }}
    cross join watermark
    where {{ written_since_watermark(alias) }}

    union

    select {{ columns }}
    from {{ relation }} as {{ alias }}
    cross join watermark
    where
        {%- if ripened_condition %}
        {{ ripened_condition }} and
        {%- endif %}
        {{ alias }}.{{ time_column }} >= coalesce({{ known_before }}, {{ alias }}.{{ time_column }})
        and {{ alias }}.{{ time_column }} < {{ as_of_end() }}
{%- endmacro %}

{#- Whether the model being run holds a row that meets `condition` (SQL over the alias
    `stored`), when it runs incrementally on DuckDB; true elsewhere (a unit test, other
    engines), where the SQL it guards is always rendered. A model leaves out a branch of its
    query that can only find rows when some stored row meets the condition: the branch's scan
    of a large table is then skipped. -#}
{% macro stored_rows_exist(condition) -%}
    {%- if reads_stored_rows() -%}
        {%- set found = run_query(
            "select count(*) from (select 1 from " ~ this ~ " as stored where " ~ condition ~ " limit 1) as found"
        ).columns[0].values()[0] -%}
        {{- return(found > 0) -}}
    {%- endif -%}
    {{- return(true) -}}
{%- endmacro %}

{#- The stored keys of the model being run that `upstream` no longer has (a query), looked for
    among the groups (visitors: `group`) with rows `upstream` wrote since this model's last run
    (written_since_watermark; the calling SQL has a `watermark` CTE).

    Exact for the web session models: a session goes away only when int_web_events_sessionized
    re-sessionizes its visitor, which rewrites the visitor's events from a restart point, so
    each model of the chain writes a row of that visitor in the run where the session goes.
    Cost ~ one semi-join of each table with the few thousand changed visitors, where an anti-
    join of every stored key with every upstream key hashed every session id of both tables. -#}
{% macro vanished_keys(upstream, key, group='anonymous_id', upstream_condition=none) -%}
    {%- set touched -%}
        select touched.{{ group }}
        from {{ upstream }} as touched
        cross join watermark
        where {{ written_since_watermark('touched') }}
    {%- endset -%}
    select stored.{{ key }} from {{ this }} as stored
    where stored.{{ group }} in ({{ touched }})
    except
    select current_rows.{{ key }} from {{ upstream }} as current_rows
    where
        current_rows.{{ group }} in ({{ touched }})
        {%- if upstream_condition %}
        and {{ upstream_condition }}
        {%- endif %}
{%- endmacro %}

{#- Contracts of restaged models (the marts fct_page_views, fct_web_sessions, fct_email_sends,
    fct_account_engagement_events): on an incremental run the model's SQL has one column more
    than its contract, `_row_outcome`, which tells the restage strategy which rows to insert
    and which keys only to delete. The contract is checked on every other column (names and
    types, as dbt does); `_row_outcome` never reaches the table, whose constraints check the
    inserted rows. On a full build the SQL has no `_row_outcome` and dbt's check runs as is. -#}
{% macro duckdb__get_assert_columns_equivalent(sql) -%}
    {%- if config.get('incremental_strategy') == 'restage' and is_incremental() -%}
        {#- newlines: the model's SQL may end in a comment line -#}
        {%- set sql = 'select * exclude (_row_outcome) from (\n' ~ sql ~ '\n) as restaged_rows' -%}
    {%- endif -%}
    {{ return(assert_columns_equivalent(sql)) }}
{%- endmacro %}

{#- Schema changes of restaged models: the restage strategy compares the run's columns with
    the table's itself (the table's plus `_row_outcome`, in any order) and fails on anything
    else, i.e. on_schema_change 'fail' (what restage_by_key_config sets); dbt's own comparison
    would count `_row_outcome` as a new column. Every other model: dbt's. -#}
{% macro duckdb__process_schema_changes(on_schema_change, source_relation, target_relation) -%}
    {%- if config.get('incremental_strategy') == 'restage' -%}
        {{ return({}) }}
    {%- endif -%}
    {{ return(default__process_schema_changes(on_schema_change, source_relation, target_relation)) }}
{%- endmacro %}
