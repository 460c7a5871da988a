{#- Incremental delete+insert on web_event_id; per engine: macros/utils/engines.sql. -#}
{{ config(
    on_schema_change='fail',
    **incremental_by_key_config('web_event_id')
) }}

-- Every web event with its session: a visitor's (anonymous id's) events split where the gap
-- since the previous event is strictly greater than var session_timeout_minutes (a gap of
-- exactly the timeout stays in the session). One window pass over events (cost ~ events).
--
-- Incremental by arrival, exact for late events. A run takes the events that arrived since
-- the last one (loaded_at after the newest loaded_at already here, minus var
-- incremental_lookback_days for loaders that commit out of order) and, for each visitor with
-- arrivals, re-sessionizes that visitor's events from a restart point: the start of the
-- earliest existing session that holds an event at or after (earliest arrival − timeout), or
-- the earliest arrival itself. Sessions before the restart point end more than a timeout
-- before any arrival, so nothing can join them: the result equals a full rebuild. A run's
-- cost ~ the arriving visitors' events since their restart points (the "new window"), plus one
-- scan of the staged events to find arrivals.
--
-- The staged events and this table are read by name where they are needed, not through a CTE:
-- DuckDB materializes a CTE that is referenced more than once (a copy of every event).

-- The incremental CTEs are not rendered when linting: their layout is checked by eye.
-- noqa: disable=LT02
{% if is_incremental() %}
{#- The visitors with arrivals, their restart points and session offsets: a few thousand rows
    of a 50M-event table, materialized first so the join below builds on them
    (macros/utils/key_sets.sql). -#}
{#- the arrival watermark: a literal on DuckDB (the scan of the staged events is then filtered
    by a constant and skips the row groups loaded before it), else the watermark's column -#}
{%- set arrived_after = stored_timestamp(
    dbt.dateadd('day', -1 * var('incremental_lookback_days'), 'max(loaded_at)')
) or 'watermark.arrived_after' -%}
{%- set restart_points_sql %}

with watermark as (

    select
        {{ dbt.dateadd('day', -1 * var('incremental_lookback_days'), 'max(loaded_at)') }}
            as arrived_after
    from {{ this }}

),

arrivals as (

    -- An arrival may be a re-extract that moved an existing event: its old time counts too.
    select
        source_events.anonymous_id,
        min(
            case
                when existing.occurred_at < source_events.occurred_at then existing.occurred_at
                else source_events.occurred_at
            end
        ) as first_arrival_at
    from {{ ref('stg_web__web_events') }} as source_events
    cross join watermark
    left join {{ this }} as existing
        on source_events.web_event_id = existing.web_event_id
    where
        source_events.loaded_at is null
        or source_events.loaded_at > {{ arrived_after }}
    group by source_events.anonymous_id

),

restart_points as (

    select
        arrivals.anonymous_id,
        case
            when min(existing.session_started_at) < arrivals.first_arrival_at
                then min(existing.session_started_at)
            else arrivals.first_arrival_at
        end as restart_at
    from arrivals
    left join {{ this }} as existing
        on
            arrivals.anonymous_id = existing.anonymous_id
            and existing.occurred_at >= {{ dbt.dateadd(
                'minute', -1 * var('session_timeout_minutes'), 'arrivals.first_arrival_at'
            ) }}
    group by arrivals.anonymous_id, arrivals.first_arrival_at

),

offsets as (

    -- Sessions the visitor already has before the restart point keep their numbers: the
    -- highest number among them, read from their first events (one per session, not every
    -- event of a returning visitor).
    select
        restart_points.anonymous_id,
        restart_points.restart_at,
        coalesce(max(existing.session_number), 0) as sessions_before
    from restart_points
    left join {{ this }} as existing
        on
            restart_points.anonymous_id = existing.anonymous_id
            and restart_points.restart_at > existing.session_started_at
            and existing.is_session_start
    group by restart_points.anonymous_id, restart_points.restart_at

)

select * from offsets
{%- endset %}

with offsets as (

    select * from {{ incremental_key_set('restart_points', restart_points_sql) }}

),

events as (

    select
        source_events.*,
        offsets.sessions_before
    from {{ ref('stg_web__web_events') }} as source_events
    inner join offsets
        on
            source_events.anonymous_id = offsets.anonymous_id
            and source_events.occurred_at >= offsets.restart_at

),

{% else %}

with events as (

    select
        *,
        0 as sessions_before
    from {{ ref('stg_web__web_events') }}

),

{% endif %}
-- noqa: enable=LT02

ordered as (

    select
        *,
        lag(occurred_at) over (
            partition by anonymous_id order by occurred_at, web_event_id
        ) as previous_event_at
    from events

),

flagged as (

    select
        *,
        case
            when previous_event_at is null then 1
            when
                {{ dbt.datediff('previous_event_at', 'occurred_at', 'second') }}
                > {{ var('session_timeout_minutes') }} * 60
                then 1
            else 0
        end as is_session_start
    from ordered

),

-- The session's number, its start and each page view's next page view, over one ordering of
-- the visitor's events (one sort): the start is the time of the latest session start so far
-- (events are in time order, so it is the session's earliest); the next page view is the
-- first later page view, if it comes before the next session's start (a new session starts
-- more than a timeout after the previous event, so a page view of this session never ties it).
numbered as (

    select
        *,
        sessions_before + sum(is_session_start) over visitor_so_far as session_number,
        max(case when is_session_start = 1 then occurred_at end) over visitor_so_far
            as session_started_at,
        min(case when event_type = 'page_view' then occurred_at end) over visitor_after
            as later_page_view_at,
        min(case when is_session_start = 1 then occurred_at end) over visitor_after
            as next_session_started_at
    from flagged
    window
        visitor_so_far as (
            partition by anonymous_id
            order by occurred_at, web_event_id
            rows between unbounded preceding and current row
        ),
        visitor_after as (
            partition by anonymous_id
            order by occurred_at, web_event_id
            rows between 1 following and unbounded following
        )

),

final as (

    select
        web_event_id,
        anonymous_id,
        session_number,
        session_started_at,
        is_session_start = 1 as is_session_start,
        event_type,
        page_url,
        page_title,
        content_id,
        cta_id,
        referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        company_domain,
        occurred_at,
        case
            when
                event_type = 'page_view'
                and (
                    next_session_started_at is null
                    or later_page_view_at < next_session_started_at
                )
                then later_page_view_at
        end as next_page_view_at,
        loaded_at
    from numbered

)

{%- set session_key = dbt.concat([
    'anonymous_id', "'#'", dbt.safe_cast('session_started_at', dbt.type_string())
]) %}

select
    {{ dbt.hash(session_key) }} as session_id,
    *,
    {{ run_stamp() }} as dbt_refreshed_at
from final
