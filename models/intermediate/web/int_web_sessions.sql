{{ config(materialized='table') }}

-- Sessions with their landing page, channel, visitor identity and account.
--   channel: the first matching rule of the channel_rules seed, on the landing event's UTM
--            parameters and referrer
--   person:  the visitor's first identify call (applies to every event of the anonymous id)
--   account: the person's account, else the reverse-IP company domain's account

with events as (

    select * from {{ ref('int_web_events_sessionized') }}

),

rules as (

    select * from {{ ref('channel_rules') }}

),

referrer_domains as (

    select * from {{ ref('referrer_domains') }}

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

landing as (

    select
        session_id,
        page_url as landing_page_url,
        lower(utm_source) as utm_source,
        lower(utm_medium) as utm_medium,
        utm_campaign,
        {{ url_domain('referrer') }} as referrer_domain
    from events
    where is_session_start

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
        max(company_domain) as company_domain
    from events
    group by session_id, anonymous_id

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
        aggregated.session_id,
        count(*) as form_submissions
    from aggregated
    inner join form_submissions
        on
            aggregated.anonymous_id = form_submissions.anonymous_id
            and aggregated.started_at <= form_submissions.submitted_at
            and form_submissions.submitted_at
            <= {{ dbt.dateadd('minute', var('session_timeout_minutes'), 'aggregated.ended_at') }}
    group by aggregated.session_id

),

final as (

    select
        aggregated.session_id,
        aggregated.anonymous_id,
        visitor_persons.person_id,
        coalesce(persons.account_id, domain_accounts.account_id) as account_id,
        case
            when persons.account_id is not null then 'person'
            when domain_accounts.account_id is not null then 'reverse_ip'
        end as account_match_method,
        aggregated.started_at,
        aggregated.ended_at,
        {{ dbt.datediff('aggregated.started_at', 'aggregated.ended_at', 'second') }}
            as session_seconds,
        {{ to_month('aggregated.started_at') }} as session_month,
        landing.landing_page_url,
        landing.utm_source,
        landing.utm_medium,
        landing.utm_campaign,
        landing.referrer_domain,
        coalesce(channels.channel, 'direct') as channel,
        aggregated.n_events,
        aggregated.page_views,
        aggregated.cta_clicks,
        coalesce(session_forms.form_submissions, 0) as form_submissions,
        aggregated.company_domain
    from aggregated
    inner join landing
        on aggregated.session_id = landing.session_id
    left join channels
        on aggregated.session_id = channels.session_id
    left join visitor_persons
        on aggregated.anonymous_id = visitor_persons.anonymous_id
    left join persons
        on visitor_persons.person_id = persons.person_id
    left join domain_accounts
        on aggregated.company_domain = domain_accounts.account_domain
    left join session_forms
        on aggregated.session_id = session_forms.session_id

)

select * from final
