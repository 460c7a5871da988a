-- Page views with their time on page: the time to the next page view of the same session
-- (next_page_view_at, computed with the sessions in int_web_events_sessionized: one sort of the
-- events); the session's last page view has none (catalog: it is excluded from average time on
-- page).

with events as (

    select * from {{ ref('int_web_events_sessionized') }}
    where event_type = 'page_view'

),

sessions as (

    select * from {{ ref('fct_web_sessions') }}

),

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
            as time_on_page_seconds
    from events
    inner join sessions
        on events.session_id = sessions.session_id

)

select * from final
