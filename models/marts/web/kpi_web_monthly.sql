-- Web KPIs per month (catalog section B). Sessions, unique visitors and bounce belong to the
-- month the session starts; page views and time on page to the page view's own month; form
-- fills to the submission's month; lead conversion = new leads / unique visitors.

with months as (

    select * from {{ ref('int_months') }}

),

sessions as (

    select * from {{ ref('fct_web_sessions') }}

),

page_views as (

    select * from {{ ref('fct_page_views') }}

),

form_submissions as (

    select * from {{ ref('stg_marketing_automation__form_submissions') }}

),

persons as (

    select * from {{ ref('int_person_funnel') }}

),

session_counts as (

    select
        session_month as metric_month,
        count(*) as sessions,
        count(case when is_engaged then 1 end) as engaged_sessions,
        count(case when is_bounce then 1 end) as bounced_sessions,
        count(case when has_form_submission then 1 end) as sessions_with_form_submission,
        count(distinct anonymous_id) as unique_visitors,
        count(distinct person_id) as identified_visitors,
        count(distinct account_id) as visiting_accounts
    from sessions
    group by session_month

),

page_view_counts as (

    select
        view_month as metric_month,
        count(*) as page_views,
        count(time_on_page_seconds) as timed_page_views,
        sum(time_on_page_seconds) as total_time_on_page_seconds
    from page_views
    group by view_month

),

form_counts as (

    select
        {{ to_month('submitted_at') }} as metric_month,
        count(*) as form_fills
    from form_submissions
    group by {{ to_month('submitted_at') }}

),

lead_counts as (

    select
        {{ to_month('created_at') }} as metric_month,
        count(*) as new_leads
    from persons
    group by {{ to_month('created_at') }}

),

final as (

    select
        months.metric_month,
        coalesce(session_counts.sessions, 0) as sessions,
        coalesce(session_counts.engaged_sessions, 0) as engaged_sessions,
        coalesce(session_counts.bounced_sessions, 0) as bounced_sessions,
        {{ safe_divide('session_counts.bounced_sessions', 'session_counts.sessions') }} as bounce_rate,
        coalesce(session_counts.unique_visitors, 0) as unique_visitors,
        coalesce(session_counts.identified_visitors, 0) as identified_visitors,
        coalesce(session_counts.visiting_accounts, 0) as visiting_accounts,
        coalesce(page_view_counts.page_views, 0) as page_views,
        coalesce(page_view_counts.timed_page_views, 0) as timed_page_views,
        coalesce(page_view_counts.total_time_on_page_seconds, 0) as total_time_on_page_seconds,
        {{ safe_divide(
            'page_view_counts.total_time_on_page_seconds', 'page_view_counts.timed_page_views'
        ) }} as avg_time_on_page_seconds,
        coalesce(session_counts.sessions_with_form_submission, 0) as sessions_with_form_submission,
        coalesce(form_counts.form_fills, 0) as form_fills,
        coalesce(lead_counts.new_leads, 0) as new_leads,
        {{ safe_divide('coalesce(lead_counts.new_leads, 0)', 'session_counts.unique_visitors') }}
            as lead_conversion_rate
    from months
    left join session_counts
        on months.metric_month = session_counts.metric_month
    left join page_view_counts
        on months.metric_month = page_view_counts.metric_month
    left join form_counts
        on months.metric_month = form_counts.metric_month
    left join lead_counts
        on months.metric_month = lead_counts.metric_month

)

select * from final
