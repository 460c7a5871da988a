{{ config(materialized='table') }}

-- Sessions with their landing page, channel, visitor identity and account.
--   session: int_web_session_summaries (incremental: events, landing page, UTM, channel)
--   person:  the visitor's first identify call (applies to every event of the anonymous id)
--   account: the person's account, else the reverse-IP company domain's account
-- A table over the session summaries: late identify calls, person merges and form submissions
-- change old sessions without a new web event, so these joins are redone each run (cost ~
-- sessions, not events).

with sessions as (

    select * from {{ ref('int_web_session_summaries') }}

),

identifies as (

    select * from {{ ref('stg_web__identifies') }}
    where email is not null

),

persons as (

    select * from {{ ref('int_persons') }}

),

form_submissions as (

    select * from {{ ref('stg_marketing_automation__form_submissions') }}
    where anonymous_id is not null

),

visitor_persons as (

    select
        anonymous_id,
        person_id
    from (
        select
            identifies.anonymous_id,
            persons.person_id,
            row_number() over (
                partition by identifies.anonymous_id
                order by identifies.identified_at, identifies.email
            ) as identify_rank
        from identifies
        inner join persons
            on {{ dbt.hash('identifies.email') }} = persons.person_id
    ) as ranked
    where identify_rank = 1

),

domain_accounts as (

    select * from {{ ref('int_account_domains') }}

),

session_forms as (

    select
        sessions.session_id,
        count(*) as form_submissions
    from sessions
    inner join form_submissions
        on
            sessions.anonymous_id = form_submissions.anonymous_id
            and sessions.started_at <= form_submissions.submitted_at
            and form_submissions.submitted_at
            <= {{ dbt.dateadd('minute', var('session_timeout_minutes'), 'sessions.ended_at') }}
    group by sessions.session_id

),

final as (

    select
        sessions.session_id,
        sessions.anonymous_id,
        visitor_persons.person_id,
        coalesce(persons.account_id, domain_accounts.account_id) as account_id,
        case
            when persons.account_id is not null then 'person'
            when domain_accounts.account_id is not null then 'reverse_ip'
        end as account_match_method,
        sessions.started_at,
        sessions.ended_at,
        {{ dbt.datediff('sessions.started_at', 'sessions.ended_at', 'second') }}
            as session_seconds,
        {{ to_month('sessions.started_at') }} as session_month,
        sessions.landing_page_url,
        sessions.utm_source,
        sessions.utm_medium,
        sessions.utm_campaign,
        sessions.referrer_domain,
        sessions.channel,
        sessions.n_events,
        sessions.page_views,
        sessions.cta_clicks,
        coalesce(session_forms.form_submissions, 0) as form_submissions,
        sessions.company_domain
    from sessions
    left join visitor_persons
        on sessions.anonymous_id = visitor_persons.anonymous_id
    left join persons
        on visitor_persons.person_id = persons.person_id
    left join domain_accounts
        on sessions.company_domain = domain_accounts.account_domain
    left join session_forms
        on sessions.session_id = session_forms.session_id

)

select * from final
