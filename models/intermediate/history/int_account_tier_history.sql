{{ config(materialized='table') }}

-- The ABM tier (and segment) of each account over time, from the account snapshot. The
-- source has no account history table, so the earliest snapshot version is assumed to hold
-- since the beginning (valid_from NULL): on a fresh install the tier "at the event" equals
-- the current tier, and each later refresh that sees a tier change starts a new period.

with snapshot as (

    select * from {{ ref('snap_salesforce__accounts') }}

),

versions as (

    select
        account_id,
        dbt_valid_from,
        abm_tier,
        dbt_scd_id,
        lag(abm_tier) over by_time as previous_abm_tier,
        row_number() over by_time as n_version
    from snapshot
    where dbt_valid_from is not null
    window by_time as (partition by account_id order by dbt_valid_from, dbt_scd_id)

),

tier_changes as (

    select *
    from versions
    where n_version = 1 or previous_abm_tier is distinct from abm_tier

),

final as (

    select
        account_id || '-' || cast(n_version as {{ dbt.type_string() }}) as account_tier_period_id,
        account_id,
        case when n_version = 1 then cast(null as timestamp) else dbt_valid_from end as valid_from,
        lead(dbt_valid_from) over (partition by account_id order by dbt_valid_from, dbt_scd_id)
            as valid_to,
        abm_tier,
        {{ abm_segment('abm_tier') }} as segment
    from tier_changes

)

select * from final
