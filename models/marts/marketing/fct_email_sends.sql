-- One row per send (e-mail campaign × recipient) with what happened to it: the send's events
-- (int_email_send_events, incremental by arrival) with its campaign and recipient person.

with sends as (

    select * from {{ ref('int_email_send_events') }}
    where n_events > 0

),

campaigns as (

    select * from {{ ref('stg_marketing_automation__email_campaigns') }}

),

persons as (

    select * from {{ ref('int_persons') }}

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
