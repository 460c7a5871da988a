-- ABM KPIs (catalog D) per month, segment and ABM tier: account engagement rate, new MQAs,
-- engaged contacts and reach at month end, and buying-committee size of won opportunities.
-- One pass over account-months and opportunities.

with account_months as (

    select * from {{ ref('fct_account_monthly') }}

),

opportunities as (

    select * from {{ ref('int_opportunities') }}
    where is_won and close_date <= {{ as_of_date() }}

),

tiers as (

    select distinct abm_tier
    from {{ ref('int_accounts') }}
    where abm_tier is not null

),

tier_groups as (

    select
        'ABM' as segment,
        abm_tier
    from tiers
    union all
    select
        'ABM' as segment,
        'all' as abm_tier
    union all
    select
        'non-ABM' as segment,
        'all' as abm_tier
    union all
    select
        'all' as segment,
        'all' as abm_tier

),

grid as (

    select
        month_segments.metric_month,
        month_segments.segment,
        tier_groups.abm_tier
    from {{ ref('int_month_segments') }} as month_segments
    inner join tier_groups
        on month_segments.segment = tier_groups.segment

),

-- every account-month counts for 'all', its segment, and (ABM) its own tier
account_months_grouped as (

    select
        'all' as report_segment,
        'all' as report_tier,
        account_months.*
    from account_months
    union all
    select
        segment as report_segment,
        'all' as report_tier,
        account_months.*
    from account_months
    union all
    select
        segment as report_segment,
        abm_tier as report_tier,
        account_months.*
    from account_months
    where abm_tier is not null

),

accounts_aggregated as (

    select
        metric_month,
        report_segment as segment,
        report_tier as abm_tier,
        count(*) as accounts,
        sum(case when is_engaged_in_month then 1 else 0 end) as engaged_accounts,
        sum(case when is_new_mqa then 1 else 0 end) as new_mqas,
        sum(case when is_mqa then 1 else 0 end) as mqa_accounts,
        avg(account_engagement_score) as avg_account_engagement_score,
        sum(engaged_contacts) as engaged_contacts,
        sum(known_persons) as known_persons,
        avg(reach_within_account) as avg_reach_within_account
    from account_months_grouped
    group by metric_month, report_segment, report_tier

),

opportunities_grouped as (

    select
        'all' as report_segment,
        'all' as report_tier,
        opportunities.*
    from opportunities
    union all
    select
        segment as report_segment,
        'all' as report_tier,
        opportunities.*
    from opportunities
    union all
    select
        segment as report_segment,
        abm_tier as report_tier,
        opportunities.*
    from opportunities
    where abm_tier is not null

),

opportunities_aggregated as (

    select
        close_month as metric_month,
        report_segment as segment,
        report_tier as abm_tier,
        count(*) as won_opportunities,
        sum(n_contact_roles) as buying_committee_contacts
    from opportunities_grouped
    group by close_month, report_segment, report_tier

),

final as (

    select
        grid.metric_month,
        grid.segment,
        grid.abm_tier,
        coalesce(accounts_aggregated.accounts, 0) as accounts,
        coalesce(accounts_aggregated.engaged_accounts, 0) as engaged_accounts,
        {{ safe_divide('accounts_aggregated.engaged_accounts', 'accounts_aggregated.accounts') }}
            as account_engagement_rate,
        coalesce(accounts_aggregated.new_mqas, 0) as new_mqas,
        coalesce(accounts_aggregated.mqa_accounts, 0) as mqa_accounts,
        {{ safe_divide('accounts_aggregated.mqa_accounts', 'accounts_aggregated.accounts') }}
            as mqa_account_rate,
        accounts_aggregated.avg_account_engagement_score,
        coalesce(accounts_aggregated.engaged_contacts, 0) as engaged_contacts,
        coalesce(accounts_aggregated.known_persons, 0) as known_persons,
        {{ safe_divide('accounts_aggregated.engaged_contacts', 'accounts_aggregated.accounts') }}
            as avg_engaged_contacts,
        accounts_aggregated.avg_reach_within_account,
        coalesce(opportunities_aggregated.won_opportunities, 0) as won_opportunities,
        coalesce(opportunities_aggregated.buying_committee_contacts, 0)
            as buying_committee_contacts,
        {{ safe_divide(
            'opportunities_aggregated.buying_committee_contacts',
            'opportunities_aggregated.won_opportunities'
        ) }} as buying_committee_size
    from grid
    left join accounts_aggregated
        on
            grid.metric_month = accounts_aggregated.metric_month
            and grid.segment = accounts_aggregated.segment
            and grid.abm_tier = accounts_aggregated.abm_tier
    left join opportunities_aggregated
        on
            grid.metric_month = opportunities_aggregated.metric_month
            and grid.segment = opportunities_aggregated.segment
            and grid.abm_tier = opportunities_aggregated.abm_tier

)

select * from final
