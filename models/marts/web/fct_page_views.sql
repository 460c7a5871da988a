{#- Incremental, restaged by visitor (DuckDB); a table on Spark (macros/utils/engines.sql). -#}
{{ config(**restage_by_key_config('anonymous_id')) }}

-- Page views with their time on page: the time to the next page view of the same session
-- (next_page_view_at, computed with the sessions in int_web_events_sessionized: one sort of the
-- events); the session's last page view has none (catalog: it is excluded from average time on
-- page).
--
-- Incremental by visitor, exact: a run recomputes every page view of the visitors whose events
-- int_web_events_sessionized re-sessionized or whose sessions fct_web_sessions rewrote since
-- this model's last run (dbt_refreshed_at: new events, a new identity, account, segment or
-- channel), and of the visitors fct_web_sessions no longer has; the restage strategy replaces
-- their page views. A run's cost ~ the changed visitors' page views.

-- The incremental CTEs are not rendered when linting: their layout is checked by eye.
-- noqa: disable=LT02
{% if is_incremental() %}
{#- The changed visitors, materialized first so the joins below build on them
    (macros/utils/key_sets.sql). -#}
{%- set changed_visitors_sql %}
with watermark as (

    select max(dbt_refreshed_at) as refreshed_after
    from {{ this }}

),

changed_visitors as (

    select sessionized.anonymous_id
    from {{ ref('int_web_events_sessionized') }} as sessionized
    cross join watermark
    where
        {{ written_since_watermark('sessionized') }}

    union

    select web_sessions.anonymous_id
    from {{ ref('fct_web_sessions') }} as web_sessions
    cross join watermark
    where
        {{ written_since_watermark('web_sessions') }}

    union

    (
        select anonymous_id from {{ this }}
        except
        select anonymous_id from {{ ref('fct_web_sessions') }}
    )

)

select anonymous_id from changed_visitors
{%- endset %}

with changed_visitors as (

    select * from {{ incremental_key_set('changed_visitors', changed_visitors_sql) }}

),

events as (

    select sessionized.*
    from {{ ref('int_web_events_sessionized') }} as sessionized
    inner join changed_visitors
        on sessionized.anonymous_id = changed_visitors.anonymous_id
    where sessionized.event_type = 'page_view'

),

sessions as (

    select web_sessions.*
    from {{ ref('fct_web_sessions') }} as web_sessions
    inner join changed_visitors
        on web_sessions.anonymous_id = changed_visitors.anonymous_id

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
{{ restaged_rows('final', 'changed_visitors', 'anonymous_id') }}
-- noqa: enable=all
