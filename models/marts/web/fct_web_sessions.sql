-- Web sessions with their engagement and conversion flags (catalog section B).

with sessions as (

    select * from {{ ref('int_web_sessions') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

final as (

    select
        sessions.session_id,
        sessions.anonymous_id,
        sessions.person_id,
        sessions.account_id,
        sessions.account_match_method,
        accounts.segment,
        sessions.started_at,
        sessions.ended_at,
        sessions.session_month,
        sessions.session_seconds,
        sessions.landing_page_url,
        sessions.channel,
        sessions.utm_source,
        sessions.utm_medium,
        sessions.utm_campaign,
        sessions.referrer_domain,
        sessions.n_events,
        sessions.page_views,
        sessions.cta_clicks,
        sessions.form_submissions,
        sessions.form_submissions > 0 as has_form_submission,
        sessions.form_submissions > 0 or sessions.cta_clicks > 0 as has_conversion,
        (
            sessions.page_views >= 2
            or sessions.session_seconds >= {{ var('engaged_session_min_seconds') }}
            or sessions.form_submissions > 0
            or sessions.cta_clicks > 0
        ) as is_engaged
    from sessions
    left join accounts
        on sessions.account_id = accounts.account_id

)

select
    *,
    not is_engaged as is_bounce
from final
