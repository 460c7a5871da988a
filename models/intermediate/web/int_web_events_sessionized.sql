{{ config(materialized='table') }}

-- Every web event with its session: a visitor's (anonymous id's) events split where the gap
-- since the previous event is strictly greater than var session_timeout_minutes (a gap of
-- exactly the timeout stays in the session). One window pass over events (cost ~ events).

with events as (

    select * from {{ ref('stg_web__web_events') }}

),

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

numbered as (

    select
        *,
        sum(is_session_start) over (
            partition by anonymous_id
            order by occurred_at, web_event_id
            rows between unbounded preceding and current row
        ) as session_number
    from flagged

),

final as (

    select
        web_event_id,
        anonymous_id,
        session_number,
        min(occurred_at) over (partition by anonymous_id, session_number) as session_started_at,
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
        occurred_at
    from numbered

)

{%- set session_key = dbt.concat([
    'anonymous_id', "'#'", dbt.safe_cast('session_started_at', dbt.type_string())
]) %}

select
    {{ dbt.hash(session_key) }} as session_id,
    *
from final
