-- One row per opportunity (int_opportunities: segment, amounts in the reporting currency,
-- stage history, flags) with what analysts ask of a deal about marketing (catalog F), so
-- deals can be filtered without joining attribution:
--   is_marketing_influenced  from int_opportunity_influence (touch list and window of
--                            attribution, up to the close date or as_of_date while open)
--   first / last touch       channel and campaign of the first and last touch of
--                            int_opportunity_touches, the rows fct_attribution's first_touch
--                            and last_touch models give weight 1 ('unattributed' without a
--                            touch in the window, 'unknown' for a touch without a channel)
-- Opportunities created after as_of_date have no influence or touch list: NULL.

with opportunities as (

    select * from {{ ref('int_opportunities') }}

),

influence as (

    select * from {{ ref('int_opportunity_influence') }}

),

touches as (

    select * from {{ ref('int_opportunity_touches') }}

),

first_touches as (

    select
        opportunity_id,
        channel,
        campaign_id
    from touches
    where is_first_touch

),

last_touches as (

    select
        opportunity_id,
        channel,
        campaign_id
    from touches
    where is_last_touch

),

final as (

    select
        -- ids
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.campaign_id,
        opportunities.owner_id,

        -- segment
        opportunities.segment,
        opportunities.abm_tier,

        -- attributes
        opportunities.opportunity_name,
        opportunities.opportunity_type,
        opportunities.stage_name,
        opportunities.lead_source,
        opportunities.promo_code,
        opportunities.has_promo_code,
        opportunities.probability,

        -- status
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.is_lost,
        opportunities.was_reopened,

        -- money
        opportunities.amount,
        opportunities.currency_code,
        opportunities.conversion_date,
        opportunities.to_reporting_rate,
        opportunities.amount_reporting,

        -- dates and durations
        opportunities.created_at,
        opportunities.created_date,
        opportunities.created_month,
        opportunities.close_date,
        opportunities.close_month,
        opportunities.sales_cycle_days,

        -- stage history
        opportunities.prospecting_at,
        opportunities.discovery_at,
        opportunities.demo_at,
        opportunities.proposal_at,
        opportunities.negotiation_at,
        opportunities.closed_won_at,
        opportunities.closed_lost_at,
        opportunities.n_contact_roles,

        -- flags
        opportunities.has_unknown_currency,
        opportunities.has_missing_account,
        opportunities.has_unknown_enum,

        -- marketing (catalog F)
        influence.is_marketing_influenced,
        case
            when influence.opportunity_id is null then null
            when first_touches.opportunity_id is null then 'unattributed'
            else coalesce(first_touches.channel, 'unknown')
        end as first_touch_channel,
        first_touches.campaign_id as first_touch_campaign_id,
        case
            when influence.opportunity_id is null then null
            when last_touches.opportunity_id is null then 'unattributed'
            else coalesce(last_touches.channel, 'unknown')
        end as last_touch_channel,
        last_touches.campaign_id as last_touch_campaign_id
    from opportunities
    left join influence
        on opportunities.opportunity_id = influence.opportunity_id
    left join first_touches
        on opportunities.opportunity_id = first_touches.opportunity_id
    left join last_touches
        on opportunities.opportunity_id = last_touches.opportunity_id

)

select * from final
