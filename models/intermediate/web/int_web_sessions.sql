{#- Incremental, restaged by session (DuckDB); a table on Spark (macros/utils/engines.sql). -#}
{{ config(**restage_by_key_config('session_id')) }}

-- Sessions with their landing page, channel, visitor identity and account.
--   session: int_web_session_summaries (incremental: events, landing page, UTM, channel)
--   person:  the visitor's first identify call (applies to every event of the anonymous id)
--   account: the person's account, else the reverse-IP company domain's account
--
-- Incremental by session, exact. A run recomputes three kinds of sessions:
--   rewritten  the summaries rewrote them since this model's last run (new, late or
--              re-extracted events; dbt_refreshed_at);
--   drifted    the stored session's person, account, match method or form count is not what
--              today's identify calls, persons, account domains and form submissions give (a
--              late identify call, a person who moved to another account, an account's new
--              domain, a new form): every stored session is checked against them, a scan of
--              the sessions joined to small tables, nothing written;
--   gone       stored, but the summaries no longer have it (merged away by a late event).
-- The restage strategy deletes those sessions and inserts the recomputed ones (a marker row
-- deletes a session that is gone). A run's cost ~ one scan of the sessions plus the changed
-- sessions.

-- The incremental CTEs are not rendered when linting: their layout is checked by eye.
-- noqa: disable=LT02
with identifies as (

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

domain_accounts as (

    select * from {{ ref('int_account_domains') }}

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

{% if is_incremental() %}
watermark as (

    select max(dbt_refreshed_at) as refreshed_after
    from {{ this }}

),

rewritten_sessions as (

    select summaries.session_id
    from {{ ref('int_web_session_summaries') }} as summaries
    cross join watermark
    where
        {{ written_since_watermark('summaries') }}

),

stored_forms as (

    select
        stored.session_id,
        count(*) as form_submissions
    from {{ this }} as stored
    inner join form_submissions
        on
            stored.anonymous_id = form_submissions.anonymous_id
            and stored.started_at <= form_submissions.submitted_at
            and form_submissions.submitted_at
            <= {{ dbt.dateadd('minute', var('session_timeout_minutes'), 'stored.ended_at') }}
    group by stored.session_id

),

drifted_sessions as (

    select stored.session_id
    from {{ this }} as stored
    left join visitor_persons
        on stored.anonymous_id = visitor_persons.anonymous_id
    left join persons
        on visitor_persons.person_id = persons.person_id
    left join domain_accounts
        on stored.company_domain = domain_accounts.account_domain
    left join stored_forms
        on stored.session_id = stored_forms.session_id
    where
        stored.person_id is distinct from visitor_persons.person_id
        or stored.account_id is distinct from coalesce(persons.account_id, domain_accounts.account_id)
        or stored.account_match_method is distinct from (
            case
                when persons.account_id is not null then 'person'
                when domain_accounts.account_id is not null then 'reverse_ip'
            end
        )
        or stored.form_submissions <> coalesce(stored_forms.form_submissions, 0)

),

changed_sessions as (

    select session_id from rewritten_sessions  -- noqa: AM07
    union
    select session_id from drifted_sessions
    union
    (
        {{ vanished_keys(ref('int_web_session_summaries'), 'session_id') }}
    )

),

sessions as (

    select summaries.*
    from {{ ref('int_web_session_summaries') }} as summaries
    inner join changed_sessions
        on summaries.session_id = changed_sessions.session_id

),
{% else %}
sessions as (

    select * from {{ ref('int_web_session_summaries') }}

),
{% endif %}
-- noqa: enable=LT02

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
        sessions.company_domain,
        {{ run_stamp() }} as dbt_refreshed_at
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

-- noqa: disable=all
{{ restaged_rows('final', 'changed_sessions', 'session_id') }}
-- noqa: enable=all
