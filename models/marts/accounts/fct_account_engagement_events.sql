-- Every engagement signal tied to an account (catalog D): the account's persons' signals and
-- the account-level ones (reverse-IP web visits, company ad clicks and impressions), with the
-- units and the per-unit weight of var engagement_weights. Cost ~ signals.

with signals as (

    select * from {{ ref('int_engagement_signals') }}
    where account_id is not null

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

final as (

    select
        signals.signal_id,
        signals.account_id,
        accounts.segment,
        accounts.abm_tier,
        signals.signal_type,
        signals.source_system,
        signals.source_id,
        signals.occurred_at,
        signals.activity_date,
        {{ to_month('signals.activity_date') }} as activity_month,
        signals.person_id,
        signals.is_account_person,
        signals.account_match_method,
        signals.campaign_id,
        signals.units,
        signals.weight,
        signals.engagement_points,
        signals.is_engagement
    from signals
    inner join accounts
        on signals.account_id = accounts.account_id

)

select * from final
