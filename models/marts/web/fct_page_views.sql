-- Page views with their time on page: the time to the next page view of the same session; the
-- session's last page view has none (catalog: it is excluded from average time on page).

with events as (

    select * from {{ ref('int_web_events_sessionized') }}
    where event_type = 'page_view'

),

sessions as (

    select * from {{ ref('fct_web_sessions') }}

),

timed as (

    select
        web_event_id,
        session_id,
        anonymous_id,
        page_url,
        page_title,
        content_id,
        occurred_at as viewed_at,
        lead(occurred_at) over (
            partition by session_id order by occurred_at, web_event_id
        ) as next_page_view_at
    from events

),

final as (

    select
        timed.web_event_id as page_view_id,
        timed.session_id,
        timed.anonymous_id,
        sessions.person_id,
        sessions.account_id,
        sessions.segment,
        sessions.channel,
        timed.page_url,
        timed.page_title,
        timed.content_id,
        timed.viewed_at,
        {{ to_month('timed.viewed_at') }} as view_month,
        timed.next_page_view_at,
        timed.next_page_view_at is null as is_last_page_view,
        {{ dbt.datediff('timed.viewed_at', 'timed.next_page_view_at', 'second') }}
            as time_on_page_seconds
    from timed
    inner join sessions
        on timed.session_id = sessions.session_id

)

select * from final
