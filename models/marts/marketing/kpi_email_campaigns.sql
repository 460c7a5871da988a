-- E-mail KPIs (catalog section A) per e-mail campaign.

with sends as (

    select * from {{ ref('fct_email_sends') }}

),

campaigns as (

    select * from {{ ref('stg_marketing_automation__email_campaigns') }}

),

aggregated as (

    select
        email_campaign_id,
        {{ email_send_aggregates() }}
    from sends
    group by email_campaign_id

),

final as (

    select
        campaigns.email_campaign_id,
        campaigns.email_campaign_name,
        campaigns.program,
        campaigns.campaign_id,
        campaigns.sent_at,
        {{ to_month('campaigns.sent_at') }} as send_month,
        aggregated.emails_sent,
        aggregated.emails_bounced,
        aggregated.emails_delivered,
        aggregated.unique_openers,
        aggregated.unique_clickers,
        aggregated.unique_unsubscribers,
        {{ email_rates() }}
    from campaigns
    inner join aggregated
        on campaigns.email_campaign_id = aggregated.email_campaign_id

)

select * from final
