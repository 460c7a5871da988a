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

{#- The rows of `alias` (a relation that stamps dbt_refreshed_at) written since this model's
    last run: the condition, given a `watermark` CTE with its newest dbt_refreshed_at
    (`refreshed_after`; NULL when it has none). -#}
{% macro written_since_watermark(alias) -%}
    (watermark.refreshed_after is null or {{ alias }}.dbt_refreshed_at > watermark.refreshed_after)
{%- endmacro %}
