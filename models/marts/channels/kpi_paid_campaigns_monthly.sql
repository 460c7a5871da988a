-- Ad cost per lead per CRM campaign and month. Paid campaigns are the CRM campaigns that ad
-- campaigns report against (kpi_ads_monthly). new_leads = persons created in the month
-- (int_persons.created_at, as kpi_funnel_monthly counts new_leads) whose first marketing touch
-- (fct_touchpoints, earliest by time then touch id, as kpi_campaign_mql_cost) is the campaign.
-- A row exists for every month in which the campaign had ad rows or such new leads.

with ads as (

    select * from {{ ref('kpi_ads_monthly') }}
    where campaign_id is not null

),

campaigns as (

    select * from {{ ref('stg_salesforce__campaigns') }}

),

persons as (

    select * from {{ ref('int_persons') }}
    where created_at < {{ as_of_end() }}

),

touches as (

    select * from {{ ref('fct_touchpoints') }}
    where person_id is not null

),

paid_campaigns as (

    select distinct campaign_id from ads

),

first_touches as (

    {{ person_first_touches('touches') }}

),

new_leads as (

    select
        {{ to_month('persons.created_at') }} as metric_month,
        first_touches.campaign_id,
        count(*) as new_leads
    from persons
    inner join first_touches
        on persons.person_id = first_touches.person_id
    inner join paid_campaigns
        on first_touches.campaign_id = paid_campaigns.campaign_id
    group by {{ to_month('persons.created_at') }}, first_touches.campaign_id

),

ad_totals as (

    select
        metric_month,
        campaign_id,
        count(distinct platform) as ad_platforms,
        count(*) as ad_campaigns,
        sum(impressions) as ad_impressions,
        sum(clicks) as ad_clicks,
        sum(spend_reporting) as ad_spend_reporting,
        sum(unknown_currency_days) as unknown_currency_days,
        sum(unconverted_spend_days) as unconverted_spend_days
    from ads
    group by metric_month, campaign_id

),

keys as (

    select
        metric_month,
        campaign_id
    from ad_totals
    union
    select
        metric_month,
        campaign_id
    from new_leads

),

joined as (

    -- A month with new leads but no ad row had no ad spend (0); a month whose ad spend could not
    -- be converted at all keeps NULL.
    select
        keys.metric_month,
        keys.campaign_id,
        campaigns.campaign_name,
        campaigns.campaign_type,
        coalesce(ad_totals.ad_platforms, 0) as ad_platforms,
        coalesce(ad_totals.ad_campaigns, 0) as ad_campaigns,
        coalesce(ad_totals.ad_impressions, 0) as ad_impressions,
        coalesce(ad_totals.ad_clicks, 0) as ad_clicks,
        case
            when ad_totals.campaign_id is null then 0
            else ad_totals.ad_spend_reporting
        end as ad_spend_reporting,
        coalesce(ad_totals.unknown_currency_days, 0) as unknown_currency_days,
        coalesce(ad_totals.unconverted_spend_days, 0) as unconverted_spend_days,
        coalesce(new_leads.new_leads, 0) as new_leads
    from keys
    left join ad_totals
        on
            keys.metric_month = ad_totals.metric_month
            and keys.campaign_id = ad_totals.campaign_id
    left join new_leads
        on
            keys.metric_month = new_leads.metric_month
            and keys.campaign_id = new_leads.campaign_id
    left join campaigns
        on keys.campaign_id = campaigns.campaign_id

),

final as (

    select
        *,
        {{ safe_divide('ad_spend_reporting', 'new_leads') }} as ad_cost_per_lead
    from joined

)

select * from final
