{{ config(materialized='table') }}

-- Every marketing touch of a person or an account (catalog F, resolved readings):
--   campaign responses (at first_responded_date; Attended is a response, counted once),
--   form fills, the first click of each e-mail send, company-level ad clicks (one touch per
--   account and day with clicks, at 00:00 UTC), and identified sessions whose channel is paid
--   search, paid social or email.
-- The two large sources (e-mail clicks, paid sessions) come from int_touch_events, which is
-- incremental; this table joins them to persons, accounts and campaigns each run, since
-- identity stitching, person merges and account segments change old touches.
-- A table: the attribution and influence intermediates read it, and the mart fct_touchpoints
-- publishes it.

with records as (

    select * from {{ ref('int_person_records') }}

),

persons as (

    select * from {{ ref('int_persons') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

campaigns as (

    select * from {{ ref('stg_salesforce__campaigns') }}

),

members as (

    select * from {{ ref('stg_salesforce__campaign_members') }}
    where has_responded and first_responded_date is not null

),

submissions as (

    select * from {{ ref('stg_marketing_automation__form_submissions') }}
    where email is not null

),

touch_events as (

    -- e-mail clicks and paid / e-mail sessions (incremental)
    select * from {{ ref('int_touch_events') }}
    where is_touch

),

email_campaigns as (

    select * from {{ ref('stg_marketing_automation__email_campaigns') }}

),

ad_company as (

    select * from {{ ref('stg_ads__ad_company_daily') }}
    where clicks > 0

),

sessions as (

    select * from {{ ref('int_web_sessions') }}

),

domain_accounts as (

    select * from {{ ref('int_account_domains') }}

),

campaign_responses as (

    select
        'campaign_member:' || members.campaign_member_id as touch_key,
        case when members.status = 'Attended' then 'event_attended'
            else 'campaign_response'
        end as touch_type,
        cast(members.first_responded_date as timestamp) as touched_at,
        records.person_id,
        cast(null as {{ dbt.type_string() }}) as touch_account_id,
        members.campaign_id,
        lower(replace(campaigns.campaign_type, ' ', '_')) as channel
    from members
    inner join records
        on
            coalesce(members.contact_id, members.lead_id) = records.record_id
            and records.record_type
            = case when members.contact_id is not null then 'contact' else 'lead' end
    left join campaigns
        on members.campaign_id = campaigns.campaign_id

),

form_fills as (

    select
        'form_submission:' || submissions.form_submission_id as touch_key,
        'form_fill' as touch_type,
        submissions.submitted_at as touched_at,
        persons.person_id,
        cast(null as {{ dbt.type_string() }}) as touch_account_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        coalesce(sessions.channel, 'direct') as channel
    from submissions
    inner join persons
        on {{ dbt.hash('submissions.email') }} = persons.person_id
    left join sessions
        on
            submissions.anonymous_id = sessions.anonymous_id
            and submissions.submitted_at >= sessions.started_at
            and submissions.submitted_at
            <= {{ dbt.dateadd('minute', var('session_timeout_minutes'), 'sessions.ended_at') }}

),

email_clicks as (

    select
        touch_events.touch_key,
        touch_events.touch_type,
        touch_events.touched_at,
        persons.person_id,
        cast(null as {{ dbt.type_string() }}) as touch_account_id,
        email_campaigns.campaign_id,
        touch_events.channel
    from touch_events
    inner join persons
        on {{ dbt.hash('touch_events.recipient') }} = persons.person_id
    left join email_campaigns
        on touch_events.email_campaign_id = email_campaigns.email_campaign_id
    where touch_events.touch_type = 'email_click'

),

ad_clicks as (

    select
        'ad_click:'
        || domain_accounts.account_id
        || ':'
        || cast(ad_company.report_date as {{ dbt.type_string() }})
            as touch_key,
        'ad_click' as touch_type,
        cast(ad_company.report_date as timestamp) as touched_at,
        cast(null as {{ dbt.type_string() }}) as person_id,
        domain_accounts.account_id as touch_account_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        case when min(ad_company.platform) = 'google' then 'paid_search' else 'paid_social' end
            as channel
    from ad_company
    inner join domain_accounts
        on lower(ad_company.company_domain) = domain_accounts.account_domain
    group by domain_accounts.account_id, ad_company.report_date

),

paid_sessions as (

    select
        touch_events.touch_key,
        touch_events.touch_type,
        touch_events.touched_at,
        sessions.person_id,
        cast(null as {{ dbt.type_string() }}) as touch_account_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        touch_events.channel
    from touch_events
    inner join sessions
        on touch_events.session_id = sessions.session_id
    where touch_events.touch_type = 'session' and sessions.person_id is not null

),

unioned as (

    select * from campaign_responses
    union all
    select * from form_fills
    union all
    select * from email_clicks
    union all
    select * from ad_clicks
    union all
    select * from paid_sessions

),

final as (

    select
        {{ dbt.hash('unioned.touch_key') }} as touch_id,
        unioned.touch_type,
        unioned.touched_at,
        unioned.person_id,
        coalesce(unioned.touch_account_id, persons.account_id) as account_id,
        coalesce(accounts.segment, 'non-ABM') as segment,
        unioned.campaign_id,
        unioned.channel
    from unioned
    left join persons
        on unioned.person_id = persons.person_id
    left join accounts
        on coalesce(unioned.touch_account_id, persons.account_id) = accounts.account_id
    where unioned.touched_at < {{ as_of_end() }}

)

select * from final
