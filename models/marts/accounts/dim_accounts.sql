-- One row per account with its current (as-of date) ABM state, MRR, NPS and health. An account
-- without a state on the as-of date (neither created nor engaged by then: fct_account_daily
-- starts an account on the earlier of the two) is not there yet.

with accounts as (

    select * from {{ ref('int_accounts') }}

),

current_states as (

    select * from {{ ref('fct_account_daily') }}
    where is_current

),

users as (

    select * from {{ ref('stg_salesforce__users') }}

),

opportunities as (

    select
        account_id,
        count(*) as opportunities,
        sum(case when is_closed then 0 else 1 end) as open_opportunities,
        sum(case when is_won and close_date <= {{ as_of_date() }} then 1 else 0 end)
            as won_opportunities
    from {{ ref('int_opportunities') }}
    where account_id is not null and created_at < {{ as_of_end() }}
    group by account_id

),

signals as (

    select
        account_id,
        min(activity_date) as first_engaged_date,
        max(activity_date) as last_engaged_date
    from {{ ref('fct_account_engagement_events') }}
    where is_engagement
    group by account_id

),

health as (

    select * from {{ ref('fct_account_health') }}

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.account_domain,
        accounts.industry,
        accounts.number_of_employees,
        accounts.annual_revenue,
        accounts.billing_country,
        accounts.account_type,
        accounts.parent_id,
        accounts.owner_id,
        users.user_name as owner_name,
        accounts.abm_tier,
        accounts.is_target_account,
        accounts.segment,
        accounts.created_at,
        current_states.icp_fit_score,
        current_states.account_engagement_score,
        current_states.engaged_contacts,
        current_states.known_persons,
        current_states.reach_within_account,
        coalesce(current_states.is_mqa, false) as is_mqa,
        current_states.mqa_at,
        current_states.account_stage,
        current_states.target_stage_date,
        current_states.engaged_stage_date,
        current_states.mqa_stage_date,
        current_states.opportunity_stage_date,
        current_states.customer_stage_date,
        current_states.churned_stage_date,
        case
            when current_states.churned_stage_date is not null then 'former_customer'
            when current_states.customer_stage_date is not null then 'customer'
            else 'prospect'
        end as customer_status,
        signals.first_engaged_date,
        signals.last_engaged_date,
        coalesce(opportunities.opportunities, 0) as opportunities,
        coalesce(opportunities.open_opportunities, 0) as open_opportunities,
        coalesce(opportunities.won_opportunities, 0) as won_opportunities,
        health.mrr_now as current_mrr,
        health.nps_quarter,
        health.nps,
        health.account_health_score
    from accounts
    inner join current_states
        on accounts.account_id = current_states.account_id
    left join users
        on accounts.owner_id = users.user_id
    left join opportunities
        on accounts.account_id = opportunities.account_id
    left join signals
        on accounts.account_id = signals.account_id
    left join health
        on accounts.account_id = health.account_id

)

select * from final
