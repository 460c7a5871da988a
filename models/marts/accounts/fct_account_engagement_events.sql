{#- Incremental, restaged by source partition (DuckDB); a table on Spark (engines.sql). -#}
{{ config(**restage_by_key_config('source_partition')) }}

-- Every engagement signal tied to an account (catalog D): the account's persons' signals and
-- the account-level ones (reverse-IP web visits, company ad clicks and impressions), with the
-- units and the per-unit weight of var engagement_weights. Cost ~ signals.
--
-- Incremental by the source partitions of int_engagement_signals, exact: a run recomputes the
-- partitions int_engagement_signals rewrote since this model's last run (dbt_refreshed_at),
-- those it no longer has, those holding a signal whose account's segment or tier changed, and
-- those with signals of accounts new to this model; the restage strategy replaces them.

-- The incremental CTEs are not rendered when linting: their layout is checked by eye.
-- noqa: disable=LT02
with accounts as (

    select * from {{ ref('int_accounts') }}

),

{% if is_incremental() %}
{#- The changed partitions, materialized first so the join below builds on them
    (macros/utils/key_sets.sql). -#}
{%- set changed_partitions_sql %}
with accounts as (

    select * from {{ ref('int_accounts') }}

),

watermark as (

    select max(dbt_refreshed_at) as refreshed_after
    from {{ this }}

),

changed_partitions as (

    select upstream.source_partition
    from {{ ref('int_engagement_signals') }} as upstream
    cross join watermark
    where
        {{ written_since_watermark('upstream') }}

    union

    (
        select source_partition from {{ this }}
        except
        select source_partition from {{ ref('int_engagement_signals') }}
    )

    union

    select stored.source_partition
    from {{ this }} as stored
    left join accounts
        on stored.account_id = accounts.account_id
    where
        stored.segment is distinct from accounts.segment
        or stored.abm_tier is distinct from accounts.abm_tier

    union

    select upstream.source_partition
    from {{ ref('int_engagement_signals') }} as upstream
    where upstream.account_id in (
        select accounts.account_id from accounts
        except
        select stored.account_id from {{ this }} as stored
    )

)

select source_partition from changed_partitions
{%- endset %}

changed_partitions as (

    select * from {{ incremental_key_set('changed_partitions', changed_partitions_sql) }}

),

signals as (

    select upstream.*
    from {{ ref('int_engagement_signals') }} as upstream
    inner join changed_partitions
        on upstream.source_partition = changed_partitions.source_partition
    where upstream.account_id is not null

),
{% else %}
signals as (

    select * from {{ ref('int_engagement_signals') }}
    where account_id is not null

),
{% endif %}
-- noqa: enable=LT02

final as (

    select
        signals.signal_id,
        signals.account_id,
        accounts.segment,
        accounts.abm_tier,
        signals.signal_type,
        signals.source_system,
        signals.source_id,
        signals.occurred_at,
        signals.activity_date,
        {{ to_month('signals.activity_date') }} as activity_month,
        signals.person_id,
        signals.is_account_person,
        signals.account_match_method,
        signals.campaign_id,
        signals.units,
        signals.weight,
        signals.engagement_points,
        signals.is_engagement,
        signals.source_partition,
        {{ run_stamp() }} as dbt_refreshed_at
    from signals
    inner join accounts
        on signals.account_id = accounts.account_id

)

-- noqa: disable=all
{{ restaged_rows('final', 'changed_partitions', 'source_partition') }}
-- noqa: enable=all
