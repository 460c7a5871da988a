-- One row per opportunity: published from int_opportunities, where it is built, so that the
-- funnel, attribution and influence intermediates read the same opportunities without
-- reading this mart.

with opportunities as (

    select * from {{ ref('int_opportunities') }}

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
        opportunities.has_unknown_enum
    from opportunities

)

select * from final
