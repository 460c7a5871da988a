{#- Incremental, restaged by session (DuckDB); a table on Spark (macros/utils/engines.sql). -#}
{{ config(**restage_by_key_config('session_id')) }}

-- One row per web session with what its own events say: start and end, counts, landing page,
-- UTM parameters, referrer and channel (the first matching rule of the channel_rules seed).
-- Identity, account and form submissions are joined in int_web_sessions, because late identify
-- calls and forms change old sessions without any new web event.
--
-- Incremental by session, exact. int_web_events_sessionized re-sessionizes a visitor with
-- arrivals from a restart point and rewrites every event after it (dbt_refreshed_at), so the
-- events it wrote since this model's last run are every event of every session that changed
-- (a session holds no event before its restart point, or it started before it and is whole).
-- A run aggregates those events and the restage strategy replaces their sessions; a stored
-- session the sessionizer no longer has (a late event merged it into another, a re-extract
-- moved its first event) leaves by a marker row. A run's cost ~ the rewritten events (the
-- visitors' last sessions, not their history) plus the stored sessions of the changed visitors
-- (macros/utils/restage.sql: vanished_keys).
-- dbt_refreshed_at marks the rows a run wrote (run_started_at, bookkeeping only) so that
-- incremental models downstream can find them; no KPI reads it.
--
-- A full build reads the sessionized events by name (landing and aggregated): DuckDB
-- materializes a CTE referenced twice, a copy of every event; an incremental run's events (the
-- rewritten ones) are a CTE.

-- The incremental CTEs are not rendered when linting: their layout is checked by eye.
-- noqa: disable=LT02
{% if is_incremental() %}
{%- set events = 'events' %}
{#- The sessions of a run, materialized first so the joins below build on them
    (macros/utils/key_sets.sql): the rewritten sessions and the stored ones that went away. -#}
{%- set changed_sessions_sql %}
with watermark as (

    select max(dbt_refreshed_at) as refreshed_after
    from {{ this }}

)

select sessionized.session_id
from {{ ref('int_web_events_sessionized') }} as sessionized
cross join watermark
where
    {{ written_since_watermark('sessionized') }}

union

(
    {{ vanished_keys(ref('int_web_events_sessionized'), 'session_id', upstream_condition='current_rows.is_session_start') }}
)
{%- endset %}

with changed_sessions as (

    select * from {{ incremental_key_set('changed_sessions', changed_sessions_sql) }}

),

watermark as (

    select max(dbt_refreshed_at) as refreshed_after
    from {{ this }}

),

events as (

    select sessionized.*
    from {{ ref('int_web_events_sessionized') }} as sessionized
    cross join watermark
    where
        {{ written_since_watermark('sessionized') }}

),

{% else %}
{%- set events = ref('int_web_events_sessionized') %}

with

{% endif %}
-- noqa: enable=LT02

rules as (

    select * from {{ ref('channel_rules') }}

),

referrer_domains as (

    select * from {{ ref('referrer_domains') }}

),

landing as (

    select
        session_id,
        page_url as landing_page_url,
        lower(utm_source) as utm_source,
        lower(utm_medium) as utm_medium,
        utm_campaign,
        {{ url_domain('referrer') }} as referrer_domain
    from {{ events }}
    where is_session_start

),

known_referrers as (

    select
        landing.session_id,
        max(referrer_domains.referrer_class) as known_referrer_class
    from landing
    inner join referrer_domains
        on
            landing.referrer_domain = referrer_domains.domain
            or landing.referrer_domain like {{ dbt.concat(["'%.'", 'referrer_domains.domain']) }}
    group by landing.session_id

),

classified as (

    select
        landing.*,
        case
            when landing.referrer_domain is null then 'none'
            when landing.referrer_domain in (
                    {%- for d in var('own_site_domains') %}'{{ d }}'{{ ', ' if not loop.last }}{% endfor -%}
                ) then 'none'
            else coalesce(known_referrers.known_referrer_class, 'external')
        end as referrer_class
    from landing
    left join known_referrers
        on landing.session_id = known_referrers.session_id

),

channels as (

    select
        session_id,
        channel
    from (
        select
            classified.session_id,
            rules.channel,
            row_number() over (
                partition by classified.session_id order by rules.rule_order
            ) as rule_rank
        from classified
        inner join rules
            on
                (
                    (rules.utm_medium_in is null and classified.utm_medium is null)
                    or (rules.utm_medium_in = '*' and classified.utm_medium is not null)
                    or position(
                        {{ dbt.concat(["'|'", 'classified.utm_medium', "'|'"]) }}
                        in {{ dbt.concat(["'|'", 'rules.utm_medium_in', "'|'"]) }}
                    ) > 0
                )
                and (
                    rules.utm_source_in is null
                    or rules.utm_source_in = '*'
                    or position(
                        {{ dbt.concat(["'|'", 'classified.utm_source', "'|'"]) }}
                        in {{ dbt.concat(["'|'", 'rules.utm_source_in', "'|'"]) }}
                    ) > 0
                )
                and (rules.referrer_class = '*' or classified.referrer_class = rules.referrer_class)
    ) as matched
    where rule_rank = 1

),

aggregated as (

    select
        session_id,
        anonymous_id,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        count(*) as n_events,
        sum(case when event_type = 'page_view' then 1 else 0 end) as page_views,
        sum(case when event_type = 'cta_click' then 1 else 0 end) as cta_clicks,
        max(company_domain) as company_domain,
        max(loaded_at) as last_loaded_at
    from {{ events }}
    group by session_id, anonymous_id

),

final as (

    select
        aggregated.session_id,
        aggregated.anonymous_id,
        aggregated.started_at,
        aggregated.ended_at,
        aggregated.n_events,
        aggregated.page_views,
        aggregated.cta_clicks,
        aggregated.company_domain,
        landing.landing_page_url,
        landing.utm_source,
        landing.utm_medium,
        landing.utm_campaign,
        landing.referrer_domain,
        coalesce(channels.channel, 'direct') as channel,
        aggregated.last_loaded_at,
        {{ run_stamp() }} as dbt_refreshed_at
    from aggregated
    inner join landing
        on aggregated.session_id = landing.session_id
    left join channels
        on aggregated.session_id = channels.session_id

)

-- noqa: disable=all
{{ restaged_rows('final', 'changed_sessions', 'session_id') }}
-- noqa: enable=all
