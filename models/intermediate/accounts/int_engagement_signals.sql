{{ config(materialized='table') }}

-- Every engagement signal of a person or an account (catalog D), with its units and the weight
-- of one unit (var engagement_weights):
--   page_view        page views of identified visitors (stitching applies to every event of the
--                    anonymous id, before and after its identify call); the person's account
--   web_visit        sessions matched to an account by reverse-IP company domain only (no
--                    person of the account): one visit per session, account-level
--   email_open       OPEN events (each event id once); email_click: CLICK events
--   form_fill        form submissions of a known person (by e-mail)
--   campaign_response / event_attended   campaign members who responded (at
--                    first_responded_date 00:00 UTC); status Attended = event attended
--   meeting_held     CRM events of type Meeting or Demo, not deleted, held (start <= as-of)
--   ad_click / ad_impression   company-level ad clicks / impressions per day, platform and
--                    company domain (units = clicks / impressions, at 00:00 UTC)
-- Only signals before the end of the as-of date. Cost ~ signals (one pass per source).

{%- set weights = var('engagement_weights') %}

with persons as (

    select * from {{ ref('int_persons') }}

),

records as (

    select * from {{ ref('int_person_records') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

domain_accounts as (

    select * from {{ ref('int_account_domains') }}

),

web_events as (

    select * from {{ ref('int_web_events_sessionized') }}
    where event_type = 'page_view'

),

sessions as (

    select * from {{ ref('int_web_sessions') }}

),

email_events as (

    select * from {{ ref('stg_marketing_automation__email_events') }}
    where email_event_type in ('OPEN', 'CLICK') and recipient is not null

),

email_campaigns as (

    select * from {{ ref('stg_marketing_automation__email_campaigns') }}

),

submissions as (

    select * from {{ ref('stg_marketing_automation__form_submissions') }}
    where email is not null

),

members as (

    select * from {{ ref('stg_salesforce__campaign_members') }}
    where has_responded and first_responded_date is not null

),

crm_events as (

    select * from {{ ref('stg_salesforce__events') }}
    where
        event_type in ('Meeting', 'Demo')
        and not coalesce(is_deleted, false)
        and started_at is not null

),

ad_company as (

    select * from {{ ref('stg_ads__ad_company_daily') }}

),

page_views as (

    select
        'web' as source_system,
        web_events.web_event_id as source_id,
        'page_view' as signal_type,
        web_events.occurred_at,
        sessions.person_id,
        cast(null as {{ dbt.type_string() }}) as signal_account_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        1 as units
    from web_events
    inner join sessions
        on web_events.session_id = sessions.session_id
    where sessions.person_id is not null

),

web_visits as (

    select
        'web' as source_system,
        session_id as source_id,
        'web_visit' as signal_type,
        started_at as occurred_at,
        cast(null as {{ dbt.type_string() }}) as person_id,
        account_id as signal_account_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        1 as units
    from sessions
    where account_match_method = 'reverse_ip'

),

emails as (

    select
        'marketing_automation' as source_system,
        email_events.email_event_id as source_id,
        case when email_events.email_event_type = 'OPEN' then 'email_open' else 'email_click' end
            as signal_type,
        email_events.occurred_at,
        persons.person_id,
        cast(null as {{ dbt.type_string() }}) as signal_account_id,
        email_campaigns.campaign_id,
        1 as units
    from email_events
    inner join persons
        on {{ dbt.hash('email_events.recipient') }} = persons.person_id
    left join email_campaigns
        on email_events.email_campaign_id = email_campaigns.email_campaign_id

),

form_fills as (

    select
        'marketing_automation' as source_system,
        submissions.form_submission_id as source_id,
        'form_fill' as signal_type,
        submissions.submitted_at as occurred_at,
        persons.person_id,
        cast(null as {{ dbt.type_string() }}) as signal_account_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        1 as units
    from submissions
    inner join persons
        on {{ dbt.hash('submissions.email') }} = persons.person_id

),

campaign_responses as (

    select
        'salesforce' as source_system,
        members.campaign_member_id as source_id,
        case when members.status = 'Attended' then 'event_attended' else 'campaign_response' end
            as signal_type,
        cast(members.first_responded_date as timestamp) as occurred_at,
        records.person_id,
        cast(null as {{ dbt.type_string() }}) as signal_account_id,
        members.campaign_id,
        1 as units
    from members
    inner join records
        on
            coalesce(members.contact_id, members.lead_id) = records.record_id
            and records.record_type
            = case when members.contact_id is not null then 'contact' else 'lead' end

),

meetings as (

    select
        'salesforce' as source_system,
        crm_events.event_id as source_id,
        'meeting_held' as signal_type,
        crm_events.started_at as occurred_at,
        records.person_id,
        accounts.account_id as signal_account_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        1 as units
    from crm_events
    left join records
        on crm_events.who_id = records.record_id
    left join accounts
        on crm_events.account_id = accounts.account_id

),

ad_signals as (

    select
        'ads' as source_system,
        {{ dbt.concat([
            'ad_company.platform', "'|'",
            dbt.safe_cast('ad_company.report_date', dbt.type_string()), "'|'",
            'ad_company.company_domain'
        ]) }} as source_id,
        'ad_click' as signal_type,
        cast(ad_company.report_date as timestamp) as occurred_at,
        cast(null as {{ dbt.type_string() }}) as person_id,
        domain_accounts.account_id as signal_account_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        ad_company.clicks as units
    from ad_company
    inner join domain_accounts
        on lower(ad_company.company_domain) = domain_accounts.account_domain
    where ad_company.clicks > 0

    union all

    select
        'ads' as source_system,
        {{ dbt.concat([
            'ad_company.platform', "'|'",
            dbt.safe_cast('ad_company.report_date', dbt.type_string()), "'|'",
            'ad_company.company_domain'
        ]) }} as source_id,
        'ad_impression' as signal_type,
        cast(ad_company.report_date as timestamp) as occurred_at,
        cast(null as {{ dbt.type_string() }}) as person_id,
        domain_accounts.account_id as signal_account_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        ad_company.impressions as units
    from ad_company
    inner join domain_accounts
        on lower(ad_company.company_domain) = domain_accounts.account_domain
    where ad_company.impressions > 0

),

unioned as (

    select * from page_views
    union all
    select * from web_visits
    union all
    select * from emails
    union all
    select * from form_fills
    union all
    select * from campaign_responses
    union all
    select * from meetings
    union all
    select * from ad_signals

),

weighted as (

    select
        unioned.*,
        case unioned.signal_type
            {%- for signal_type, weight in weights.items() %}
                when '{{ signal_type }}' then {{ weight }}
            {%- endfor %}
            else 0
        end as weight
    from unioned
    where unioned.occurred_at < {{ as_of_end() }}

),

final as (

    select
        {{ dbt.hash(dbt.concat(['weighted.signal_type', "'|'", 'weighted.source_id'])) }}
            as signal_id,
        weighted.signal_type,
        weighted.source_system,
        weighted.source_id,
        weighted.occurred_at,
        cast(weighted.occurred_at as date) as activity_date,
        weighted.person_id,
        coalesce(weighted.signal_account_id, persons.account_id) as account_id,
        case
            when weighted.signal_account_id is not null and weighted.person_id is null
                then 'account'
            when weighted.signal_account_id is not null then 'crm_event'
            when persons.account_id is not null then 'person'
        end as account_match_method,
        coalesce(persons.account_id = coalesce(weighted.signal_account_id, persons.account_id), false)
            as is_account_person,
        weighted.campaign_id,
        weighted.units,
        cast(weighted.weight as double) as weight,
        cast(weighted.units * weighted.weight as double) as engagement_points,
        weighted.weight > 0 as is_engagement
    from weighted
    left join persons
        on weighted.person_id = persons.person_id

)

select * from final
