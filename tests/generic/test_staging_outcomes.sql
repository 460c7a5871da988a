{#- Every check of a base model and its staged and quarantine models, in one scan of the base
    model (it replaces eleven column tests per raw table: one node instead of a dozen, one read
    of the base model instead of six). Returns one row per failed check, with what was expected
    and what was found:
      - raw rows = base rows (every raw row ends in exactly one place)
      - every base row has a _raw_row_key, and no two rows share one
      - every row's outcome is staged, quarantined or superseded
      - a quarantined row has a known reason (contract.QUARANTINE_REASONS), no other
        row has one
      - the staged model holds exactly the staged rows, the quarantine model the quarantined ones
    The quarantine model is the base model's quarantined rows, so its key and reasons are
    checked here (see its YAML). `rows_written_by_last_run` (the incremental base models of
    the event streams, which stamp dbt_refreshed_at): key uniqueness and the outcome / reason
    rules are checked on the rows the latest run wrote (delete+insert on _raw_row_key keeps
    keys unique between runs); the counts are always checked on every row. -#}
{% test staging_outcomes(model, source_name, table_name, staged_model, quarantine_model, reasons, rows_written_by_last_run=false) %}

{%- set outcomes = ['staged', 'quarantined', 'superseded'] %}

with raw_rows as (

    select count(*) as n_raw from {{ raw_relation(source_name, table_name) }}

),

base_rows as (

    select
        count(*) as n_base,
        sum(case when _row_outcome = 'staged' then 1 else 0 end) as n_staged,
        sum(case when _row_outcome = 'quarantined' then 1 else 0 end) as n_quarantined
    from {{ model }}

),

checked_rows as (

    select
        count(*) as n_checked,
        count(_raw_row_key) as n_keys,
        count(distinct _raw_row_key) as n_distinct_keys,
        sum(
            case when _row_outcome in ('{{ outcomes | join("', '") }}') then 0 else 1 end
        ) as n_unknown_outcome,
        sum(
            case
                when
                    _row_outcome = 'quarantined'
                    and coalesce(_quarantine_reason in ('{{ reasons | join("', '") }}'), false)
                    then 0
                when _row_outcome = 'quarantined' then 1
                else 0
            end
        ) as n_bad_reason,
        sum(
            case when _row_outcome <> 'quarantined' and _quarantine_reason is not null then 1 else 0 end
        ) as n_stray_reason
    from {{ model }}
    {%- if rows_written_by_last_run %}
    where dbt_refreshed_at = (select max(dbt_refreshed_at) from {{ model }})
    {%- endif %}

),

staged_rows as (

    select count(*) as n_stg from {{ ref(staged_model) }}

),

quarantined_rows as (

    select count(*) as n_quarantine from {{ ref(quarantine_model) }}

),

counts as (

    select *
    from raw_rows
    cross join base_rows
    cross join checked_rows
    cross join staged_rows
    cross join quarantined_rows

),

checks as (

    select 'raw rows = base rows' as failed_check, n_raw as expected, n_base as found
    from counts where n_raw <> n_base
    union all
    select '_raw_row_key is never null', n_checked, n_keys
    from counts where n_keys <> n_checked
    union all
    select '_raw_row_key is unique', n_keys, n_distinct_keys
    from counts where n_distinct_keys <> n_keys
    union all
    select 'every outcome is staged, quarantined or superseded', 0, n_unknown_outcome
    from counts where n_unknown_outcome > 0
    union all
    select 'every quarantined row has a known reason', 0, n_bad_reason
    from counts where n_bad_reason > 0
    union all
    select 'only quarantined rows have a reason', 0, n_stray_reason
    from counts where n_stray_reason > 0
    union all
    select 'the staged model holds the staged rows', coalesce(n_staged, 0), n_stg
    from counts where n_stg <> coalesce(n_staged, 0)
    union all
    select 'the quarantine model holds the quarantined rows', coalesce(n_quarantined, 0), n_quarantine
    from counts where n_quarantine <> coalesce(n_quarantined, 0)

)

select * from checks

{% endtest %}
