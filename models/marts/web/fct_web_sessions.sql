{#- Incremental, restaged by session (DuckDB); a table on Spark (macros/utils/engines.sql). -#}
{{ config(**restage_by_key_config('session_id')) }}

-- Web sessions with their engagement and conversion flags (catalog section B).
--
-- Incremental by session, exact: a run recomputes the sessions int_web_sessions rewrote since
-- this model's last run (dbt_refreshed_at), the sessions whose stored segment is no longer
-- their account's (an ABM tier change: a scan of the sessions joined to the accounts) and the
-- sessions int_web_sessions no longer has; the restage strategy replaces them.

-- The incremental CTEs are not rendered when linting: their layout is checked by eye.
-- noqa: disable=LT02
with accounts as (

    select * from {{ ref('int_accounts') }}

),

{% if is_incremental() %}
watermark as (

    select max(dbt_refreshed_at) as refreshed_after
    from {{ this }}

),

changed_sessions as (

    select upstream.session_id
    from {{ ref('int_web_sessions') }} as upstream
    cross join watermark
    where
        {{ written_since_watermark('upstream') }}

    union

    select stored.session_id
    from {{ this }} as stored
    left join accounts
        on stored.account_id = accounts.account_id
    where stored.segment is distinct from accounts.segment

    union

    (
        {{ vanished_keys(ref('int_web_sessions'), 'session_id') }}
    )

),

sessions as (

    select upstream.*
    from {{ ref('int_web_sessions') }} as upstream
    inner join changed_sessions
        on upstream.session_id = changed_sessions.session_id

),
{% else %}
sessions as (

    select * from {{ ref('int_web_sessions') }}

),
{% endif %}
-- noqa: enable=LT02

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

),

flagged as (

    select
        *,
        not is_engaged as is_bounce,
        {{ run_stamp() }} as dbt_refreshed_at
    from final

)

-- noqa: disable=all
{{ restaged_rows('flagged', 'changed_sessions', 'session_id') }}
-- noqa: enable=all
