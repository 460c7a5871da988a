-- Landing-page conversion per month and landing page (catalog section B): sessions that start
-- on the page and contain a form submission / sessions that start on the page. A month without
-- a session starting on the page has no row.

with sessions as (

    select * from {{ ref('fct_web_sessions') }}
    where landing_page_url is not null and started_at < {{ as_of_end() }}

),

-- sessions per landing URL and month first: the page key (two regular expressions) is then
-- computed once per distinct URL, not once per session
url_sessions as (

    select
        session_month,
        landing_page_url,
        count(*) as sessions,
        count(case when has_form_submission then 1 end) as converting_sessions,
        count(case when is_bounce then 1 end) as bounced_sessions
    from sessions
    group by session_month, landing_page_url

),

final as (

    select
        session_month as metric_month,
        {{ url_page_key('landing_page_url') }} as landing_page,
        cast(sum(sessions) as {{ dbt.type_bigint() }}) as sessions,
        cast(sum(converting_sessions) as {{ dbt.type_bigint() }}) as converting_sessions,
        {{ safe_divide('sum(converting_sessions)', 'sum(sessions)') }} as landing_page_conversion_rate,
        cast(sum(bounced_sessions) as {{ dbt.type_bigint() }}) as bounced_sessions,
        {{ safe_divide('sum(bounced_sessions)', 'sum(sessions)') }} as bounce_rate
    from url_sessions
    group by session_month, {{ url_page_key('landing_page_url') }}

)

select * from final
