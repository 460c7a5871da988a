-- One row per send (e-mail campaign × recipient) with what happened to it. Every event counts
-- for its send whatever day it arrives (late opens count); duplicate event ids were removed in
-- staging. A click counts as an open (image blocking hides opens).

with events as (

    select * from {{ ref('stg_marketing_automation__email_events') }}
    where recipient is not null

),

campaigns as (

    select * from {{ ref('stg_marketing_automation__email_campaigns') }}

),

persons as (

    select * from {{ ref('int_persons') }}

),

sends as (

    select
        email_campaign_id,
        recipient,
        max(case when email_event_type = 'SENT' then 1 else 0 end) = 1 as is_sent,
        max(case when email_event_type = 'BOUNCE' then 1 else 0 end) = 1 as is_bounced,
        max(case when email_event_type in ('OPEN', 'CLICK') then 1 else 0 end) = 1 as is_opened,
        max(case when email_event_type = 'CLICK' then 1 else 0 end) = 1 as is_clicked,
        max(case when email_event_type = 'UNSUBSCRIBE' then 1 else 0 end) = 1
            as is_unsubscribed,
        max(case when email_event_type = 'SPAMREPORT' then 1 else 0 end) = 1 as is_spam_reported,
        sum(case when email_event_type = 'OPEN' then 1 else 0 end) as n_opens,
        sum(case when email_event_type = 'CLICK' then 1 else 0 end) as n_clicks,
        min(case when email_event_type = 'SENT' then occurred_at end) as sent_event_at,
        min(case when email_event_type in ('OPEN', 'CLICK') then occurred_at end)
            as first_opened_at,
        min(case when email_event_type = 'CLICK' then occurred_at end) as first_clicked_at,
        min(case when email_event_type = 'UNSUBSCRIBE' then occurred_at end) as unsubscribed_at
    from events
    group by email_campaign_id, recipient

),

final as (

    select
        {{ dbt.hash(dbt.concat(['sends.email_campaign_id', "'|'", 'sends.recipient'])) }} as send_id,
        sends.email_campaign_id,
        sends.recipient,
        persons.person_id,
        persons.account_id,
        coalesce(persons.segment, 'non-ABM') as segment,
        campaigns.campaign_id,
        campaigns.program,
        campaigns.sent_at,
        {{ to_month('campaigns.sent_at') }} as send_month,
        sends.is_sent,
        sends.is_sent and not sends.is_bounced as is_delivered,
        sends.is_bounced,
        sends.is_opened,
        sends.is_clicked,
        sends.is_unsubscribed,
        sends.is_spam_reported,
        sends.n_opens,
        sends.n_clicks,
        sends.sent_event_at,
        sends.first_opened_at,
        sends.first_clicked_at,
        sends.unsubscribed_at
    from sends
    inner join campaigns
        on sends.email_campaign_id = campaigns.email_campaign_id
    left join persons
        on {{ dbt.hash('sends.recipient') }} = persons.person_id

)

select * from final
