-- New contacts reached per campaign (catalog D): persons whose first-ever engagement (earliest
-- signal with weight > 0, ties by signal type then source id) came from the campaign, and the
-- accounts they belong to. One hash aggregate over person signals (first_by).

with signals as (

    select * from {{ ref('int_engagement_signals') }}
    where is_engagement and person_id is not null

),

campaigns as (

    select * from {{ ref('stg_salesforce__campaigns') }}

),

persons as (

    select * from {{ ref('int_persons') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

first_engagements as (

    select
        firsts.person_id,
        firsts.first_signal.campaign_id,
        firsts.first_signal.occurred_at
    from (
        select
            person_id,
            {{ first_by(['campaign_id', 'occurred_at'], ['occurred_at', 'signal_type', 'source_id']) }}
                as first_signal
        from signals
        group by person_id
    ) as firsts

),

reached as (

    select
        first_engagements.campaign_id,
        first_engagements.person_id,
        first_engagements.occurred_at,
        persons.account_id,
        coalesce(accounts.is_target_account, false) as is_target_account
    from first_engagements
    left join persons
        on first_engagements.person_id = persons.person_id
    left join accounts
        on persons.account_id = accounts.account_id
    where first_engagements.campaign_id is not null

),

aggregated as (

    select
        campaign_id,
        count(*) as new_contacts_reached,
        sum(case when account_id is not null then 1 else 0 end) as new_contacts_with_account,
        sum(case when is_target_account then 1 else 0 end) as new_contacts_in_target_accounts,
        count(distinct account_id) as accounts_reached,
        count(distinct case when is_target_account then account_id end) as target_accounts_reached,
        min(occurred_at) as first_reached_at,
        max(occurred_at) as last_reached_at
    from reached
    group by campaign_id

),

final as (

    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.campaign_type,
        campaigns.is_abm,
        campaigns.start_date,
        coalesce(aggregated.new_contacts_reached, 0) as new_contacts_reached,
        coalesce(aggregated.new_contacts_with_account, 0) as new_contacts_with_account,
        coalesce(aggregated.new_contacts_in_target_accounts, 0) as new_contacts_in_target_accounts,
        coalesce(aggregated.accounts_reached, 0) as accounts_reached,
        coalesce(aggregated.target_accounts_reached, 0) as target_accounts_reached,
        aggregated.first_reached_at,
        aggregated.last_reached_at
    from campaigns
    left join aggregated
        on campaigns.campaign_id = aggregated.campaign_id

)

select * from final
