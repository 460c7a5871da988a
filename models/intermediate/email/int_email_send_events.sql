-- depends_on: {{ ref('base_marketing_automation__email_events') }}
{#- Incremental delete+insert on send_key; per engine: macros/utils/engines.sql. -#}
{{ config(
    on_schema_change='fail',
    **incremental_by_key_config('send_key')
) }}

-- One row per send (e-mail campaign × recipient) with what its events say: outcome flags,
-- counts and first timestamps. Every event counts for its send whatever day it arrives (late
-- opens count); a CLICK counts as an open (image blocking hides opens). Events without a
-- (valid) recipient have no send.
--
-- Incremental by arrival, exact for late events, re-extracts and deletions. A run takes the raw
-- event rows the base model (re)wrote since this model's last run (every outcome: staged,
-- superseded, quarantined; the base model's dbt_refreshed_at after the newest here), finds
-- every send any version of those event ids belongs to, and recomputes those sends from all
-- their staged events. A send left without events (its events deleted or moved to another
-- send) is written as a row with n_events = 0, which fct_email_sends leaves out. A run's cost ~
-- the rewritten raw rows (found by a typed stamp, not by parsing every load time) plus the
-- changed sends' events.
-- dbt_refreshed_at marks the rows a run wrote (run_started_at, bookkeeping only) so that
-- incremental models downstream (int_touch_events) find rewritten sends, deletions included;
-- no KPI reads it.

with staged_events as (

    select * from {{ ref('stg_marketing_automation__email_events') }}
    where recipient is not null

),

-- The incremental CTEs are not rendered when linting: their layout is checked by eye.
-- noqa: disable=LT02
{% if is_incremental() %}
{#- The raw event rows the base model (re)wrote since this model's last run: a few thousand of
    tens of millions, found by the stamp alone and materialized first (macros/utils/key_sets.sql),
    so the staging expressions below run on them only (pushed into the scan of the base model,
    they ran on every raw row) and the join with the staged events builds on the changed sends. -#}
{%- set rewritten_sql %}
with watermark as (

    select max(dbt_refreshed_at) as refreshed_after
    from {{ this }}

)

select
    raw_events.id,
    raw_events.email_campaign_id,
    raw_events.recipient
from {{ ref('base_marketing_automation__email_events') }} as raw_events
cross join watermark
where
    {{ written_since_watermark('raw_events') }}
{%- endset %}

rewritten_events as (

    select * from {{ incremental_key_set('rewritten_events', rewritten_sql) }}

),

changed_sends as (

    -- every send any version of an arrived event id belongs to (old and new): the base model
    -- rewrites every raw row of a key with a newer load, so its rows written since this
    -- model's last run hold every version of each arrived event
    select distinct
        {{ stage_text('email_campaign_id') }} as email_campaign_id,
        {{ stage_email('recipient') }} as recipient
    from rewritten_events
    where
        {{ stage_text('id') }} is not null
        and {{ stage_text('email_campaign_id') }} is not null
        and {{ stage_email('recipient') }} is not null

),

events as (

    select staged_events.*
    from staged_events
    inner join changed_sends
        on
            staged_events.email_campaign_id = changed_sends.email_campaign_id
            and staged_events.recipient = changed_sends.recipient

),

{% else %}

changed_sends as (

    select
        cast(null as {{ dbt.type_string() }}) as email_campaign_id,
        cast(null as {{ dbt.type_string() }}) as recipient
    where 1 = 0

),

events as (

    select * from staged_events

),

{% endif %}
-- noqa: enable=LT02

sends as (

    select
        email_campaign_id,
        recipient,
        count(*) as n_events,
        max(case when email_event_type = 'SENT' then 1 else 0 end) = 1 as is_sent,
        max(case when email_event_type = 'BOUNCE' then 1 else 0 end) = 1 as is_bounced,
        max(case when email_event_type in ('OPEN', 'CLICK') then 1 else 0 end) = 1 as is_opened,
        max(case when email_event_type = 'CLICK' then 1 else 0 end) = 1 as is_clicked,
        max(case when email_event_type = 'UNSUBSCRIBE' then 1 else 0 end) = 1
            as is_unsubscribed,
        max(case when email_event_type = 'SPAMREPORT' then 1 else 0 end) = 1 as is_spam_reported,
        sum(case when email_event_type = 'OPEN' then 1 else 0 end) as n_opens,
        sum(case when email_event_type = 'CLICK' then 1 else 0 end) as n_clicks,
        min(case when email_event_type = 'SENT' then occurred_at end) as sent_event_at,
        min(case when email_event_type in ('OPEN', 'CLICK') then occurred_at end)
            as first_opened_at,
        min(case when email_event_type = 'CLICK' then occurred_at end) as first_clicked_at,
        min(case when email_event_type = 'UNSUBSCRIBE' then occurred_at end) as unsubscribed_at,
        max(loaded_at) as last_loaded_at
    from events
    group by email_campaign_id, recipient

),

-- changed sends that have no staged event left: written with n_events = 0
emptied as (

    select
        changed_sends.email_campaign_id,
        changed_sends.recipient
    from changed_sends
    left join sends
        on
            changed_sends.email_campaign_id = sends.email_campaign_id
            and changed_sends.recipient = sends.recipient
    where sends.email_campaign_id is null

),

final as (

    select
        {{ dbt.hash(dbt.concat(['email_campaign_id', "'|'", 'recipient'])) }} as send_key,
        email_campaign_id,
        recipient,
        n_events,
        is_sent,
        is_bounced,
        is_opened,
        is_clicked,
        is_unsubscribed,
        is_spam_reported,
        n_opens,
        n_clicks,
        sent_event_at,
        first_opened_at,
        first_clicked_at,
        unsubscribed_at,
        last_loaded_at,
        {{ run_stamp() }} as dbt_refreshed_at
    from sends

    union all

    select
        {{ dbt.hash(dbt.concat(['email_campaign_id', "'|'", 'recipient'])) }} as send_key,
        email_campaign_id,
        recipient,
        0 as n_events,
        false as is_sent,
        false as is_bounced,
        false as is_opened,
        false as is_clicked,
        false as is_unsubscribed,
        false as is_spam_reported,
        0 as n_opens,
        0 as n_clicks,
        cast(null as timestamp) as sent_event_at,
        cast(null as timestamp) as first_opened_at,
        cast(null as timestamp) as first_clicked_at,
        cast(null as timestamp) as unsubscribed_at,
        cast(null as timestamp) as last_loaded_at,
        {{ run_stamp() }} as dbt_refreshed_at
    from emptied

)

select * from final
