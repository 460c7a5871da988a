{#- Incremental, restaged by session (DuckDB); a table on Spark (macros/utils/engines.sql). -#}
{{ config(**restage_by_key_config('session_id')) }}

-- Page views with their time on page: the time to the next page view of the same session
-- (next_page_view_at, computed with the sessions in int_web_events_sessionized: one sort of the
-- events); the session's last page view has none (catalog: it is excluded from average time on
-- page).
--
-- Incremental by session, exact: a run recomputes every page view of the sessions whose events
-- int_web_events_sessionized rewrote or that fct_web_sessions rewrote since this model's last
-- run (dbt_refreshed_at: new events, a new identity, account, segment or channel), and of the
-- sessions fct_web_sessions no longer has (a page view that moved to another session is in
-- both: the old session's key deletes it, the new one's inserts it); the restage strategy
-- replaces their page views. A run's cost ~ the changed sessions' page views: a visitor's
-- latest sessions, not the visitor's history.

-- The incremental CTEs are not rendered when linting: their layout is checked by eye.
-- noqa: disable=LT02
{% if is_incremental() %}
{#- The changed sessions, materialized first so the joins below build on them
    (macros/utils/key_sets.sql). -#}
{%- set changed_sessions_sql %}
with watermark as (

    select max(dbt_refreshed_at) as refreshed_after
    from {{ this }}

)

select sessionized.session_id
from {{ ref('int_web_events_sessionized') }} as sessionized
cross join watermark
where
    {{ written_since_watermark('sessionized') }}

union

select web_sessions.session_id
from {{ ref('fct_web_sessions') }} as web_sessions
cross join watermark
where
    {{ written_since_watermark('web_sessions') }}

union

(
    {{ vanished_keys(ref('fct_web_sessions'), 'session_id') }}
)
{%- endset %}

with changed_sessions as (

    select * from {{ incremental_key_set('changed_sessions', changed_sessions_sql) }}

),

events as (

    select sessionized.*
    from {{ ref('int_web_events_sessionized') }} as sessionized
    inner join changed_sessions
        on sessionized.session_id = changed_sessions.session_id
    where sessionized.event_type = 'page_view'

),

sessions as (

    select web_sessions.*
    from {{ ref('fct_web_sessions') }} as web_sessions
    inner join changed_sessions
        on web_sessions.session_id = changed_sessions.session_id

),
{% else %}
with events as (

    select * from {{ ref('int_web_events_sessionized') }}
    where event_type = 'page_view'

),

sessions as (

    select * from {{ ref('fct_web_sessions') }}

),
{% endif %}
-- noqa: enable=LT02

final as (

    select
        events.web_event_id as page_view_id,
        events.session_id,
        events.anonymous_id,
        sessions.person_id,
        sessions.account_id,
        sessions.segment,
        sessions.channel,
        events.page_url,
        events.page_title,
        events.content_id,
        events.occurred_at as viewed_at,
        {{ to_month('events.occurred_at') }} as view_month,
        events.next_page_view_at,
        events.next_page_view_at is null as is_last_page_view,
        {{ dbt.datediff('events.occurred_at', 'events.next_page_view_at', 'second') }}
            as time_on_page_seconds,
        {{ run_stamp() }} as dbt_refreshed_at
    from events
    inner join sessions
        on events.session_id = sessions.session_id

)

-- noqa: disable=all
{{ restaged_rows('final', 'changed_sessions', 'session_id') }}
-- noqa: enable=all
