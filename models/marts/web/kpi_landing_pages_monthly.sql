-- Landing-page conversion per month and landing page (catalog section B): sessions that start
-- on the page and contain a form submission / sessions that start on the page. A month without
-- a session starting on the page has no row.

with sessions as (

    select * from {{ ref('fct_web_sessions') }}
    where landing_page_url is not null and started_at < {{ as_of_end() }}

),

final as (

    select
        session_month as metric_month,
        {{ url_page_key('landing_page_url') }} as landing_page,
        count(*) as sessions,
        count(case when has_form_submission then 1 end) as converting_sessions,
        {{ safe_divide(
            'count(case when has_form_submission then 1 end)', 'count(*)'
        ) }} as landing_page_conversion_rate,
        count(case when is_bounce then 1 end) as bounced_sessions,
        {{ safe_divide('count(case when is_bounce then 1 end)', 'count(*)') }} as bounce_rate
    from sessions
    group by session_month, {{ url_page_key('landing_page_url') }}

)

select * from final
