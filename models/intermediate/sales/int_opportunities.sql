{{ config(materialized='table') }}

-- One row per opportunity: the CRM opportunity with its account's segment, amounts in the
-- reporting currency, stage history and flags. A table: the funnel, attribution and influence
-- intermediates read it, and the mart fct_opportunities publishes it with the marketing
-- columns (influence, first and last touch).
-- Amounts are converted to the reporting currency at the rate in force on the opportunity's
-- own money date: its close date, or the as-of date for an expected close date after it (no
-- rate is known for the future). One converted amount per opportunity, used everywhere.

with opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

stages as (

    select * from {{ ref('int_opportunity_stages_pivoted') }}

),

rates as (

    select * from {{ ref('int_currency_rates') }}

),

contact_roles as (

    select
        opportunity_id,
        count(distinct contact_id) as n_contact_roles
    from {{ ref('stg_salesforce__opportunity_contact_roles') }}
    group by opportunity_id

),

dated as (

    select
        opportunities.*,
        case
            when opportunities.close_date > {{ as_of_date() }} then {{ as_of_date() }}
            else opportunities.close_date
        end as conversion_date
    from opportunities

),

final as (

    select
        -- ids
        dated.opportunity_id,
        dated.account_id,
        dated.campaign_id,
        dated.owner_id,

        -- segment
        coalesce(accounts.segment, 'non-ABM') as segment,
        accounts.abm_tier,

        -- attributes
        dated.opportunity_name,
        dated.opportunity_type,
        dated.stage_name,
        dated.lead_source,
        dated.promo_code,
        dated.promo_code is not null as has_promo_code,
        dated.probability,

        -- status
        dated.is_closed,
        dated.is_won,
        dated.is_closed and not dated.is_won as is_lost,
        coalesce(stages.was_reopened, false) as was_reopened,

        -- money
        dated.amount,
        dated.currency_code,
        dated.conversion_date,
        rates.to_reporting_rate,
        dated.amount * rates.to_reporting_rate as amount_reporting,

        -- dates and durations
        dated.created_at,
        cast(dated.created_at as date) as created_date,
        {{ to_month('dated.created_at') }} as created_month,
        dated.close_date,
        {{ to_month('dated.close_date') }} as close_month,
        case
            when dated.is_closed
                then {{ dbt.datediff('cast(dated.created_at as date)', 'dated.close_date', 'day') }}
        end as sales_cycle_days,

        -- stage history
        stages.prospecting_at,
        stages.discovery_at,
        stages.demo_at,
        stages.proposal_at,
        stages.negotiation_at,
        stages.closed_won_at,
        stages.closed_lost_at,
        coalesce(contact_roles.n_contact_roles, 0) as n_contact_roles,

        -- flags
        dated.has_unknown_currency,
        dated.account_id is not null and accounts.account_id is null as has_missing_account,
        dated.has_unknown_enum
    from dated
    left join accounts
        on dated.account_id = accounts.account_id
    left join stages
        on dated.opportunity_id = stages.opportunity_id
    left join contact_roles
        on dated.opportunity_id = contact_roles.opportunity_id
    left join rates
        on
            dated.currency_code = rates.currency_code
            and dated.conversion_date >= rates.valid_from
            and dated.conversion_date < rates.valid_to

)

select * from final
