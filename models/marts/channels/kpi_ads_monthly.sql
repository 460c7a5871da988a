-- Ad KPIs (catalog B: ad_ctr, ad_cpc, ad_cpm) per month, ad platform and ad campaign, with the
-- CRM campaign the ad campaign reports against. Spend is converted to the reporting currency
-- with the dated rate in force on the spend date (the report day), like fct_opportunities. A
-- day whose spend cannot be converted (unknown currency code, or no rate on that date) keeps
-- NULL money: it counts in impressions and clicks but not in spend, and is counted in
-- unconverted_spend_days (unknown codes also in unknown_currency_days). Days after var
-- as_of_date are left out.

with ad_performance as (

    select * from {{ ref('stg_ads__ad_performance_daily') }}
    where not is_future_dated

),

rates as (

    select * from {{ ref('int_currency_rates') }}

),

campaigns as (

    select * from {{ ref('stg_salesforce__campaigns') }}

),

converted as (

    select
        ad_performance.report_date,
        ad_performance.platform,
        ad_performance.ad_campaign_id,
        ad_performance.campaign_id,
        ad_performance.impressions,
        ad_performance.clicks,
        ad_performance.spend,
        ad_performance.has_unknown_currency,
        ad_performance.spend * rates.to_reporting_rate as spend_reporting,
        coalesce(ad_performance.spend is not null and rates.to_reporting_rate is null, false)
            as is_spend_unconverted
    from ad_performance
    left join rates
        on
            ad_performance.currency_code = rates.currency_code
            and ad_performance.report_date >= rates.valid_from
            and ad_performance.report_date < rates.valid_to

),

monthly as (

    select
        {{ to_month('report_date') }} as metric_month,
        platform,
        ad_campaign_id,
        campaign_id,
        count(*) as days_reported,
        coalesce(sum(impressions), 0) as impressions,
        coalesce(sum(clicks), 0) as clicks,
        sum(spend_reporting) as spend_reporting,
        sum(case when has_unknown_currency then 1 else 0 end) as unknown_currency_days,
        sum(case when is_spend_unconverted then 1 else 0 end) as unconverted_spend_days
    from converted
    group by {{ to_month('report_date') }}, platform, ad_campaign_id, campaign_id

),

final as (

    select
        monthly.metric_month,
        monthly.platform,
        monthly.ad_campaign_id,
        monthly.campaign_id,
        campaigns.campaign_name,
        campaigns.campaign_type,
        coalesce(monthly.campaign_id is not null and campaigns.campaign_id is null, false)
            as has_missing_campaign,
        monthly.days_reported,
        monthly.impressions,
        monthly.clicks,
        monthly.spend_reporting,
        monthly.unknown_currency_days,
        monthly.unconverted_spend_days,
        {{ safe_divide('monthly.clicks', 'monthly.impressions') }} as ad_ctr,
        {{ safe_divide('monthly.spend_reporting', 'monthly.clicks') }} as ad_cpc,
        {{ safe_divide('1000 * monthly.spend_reporting', 'monthly.impressions') }} as ad_cpm
    from monthly
    left join campaigns
        on monthly.campaign_id = campaigns.campaign_id

)

select * from final
