{{ config(materialized='table') }}

-- The ABM tier (and segment) of each account over time: every version of the account the raw
-- extracts hold (stg_salesforce__account_versions: a folder of daily deltas holds every
-- change) and every version the account snapshot recorded (a file re-exported whole keeps only
-- the latest one), each valid from its last_modified_at. Both sources give the same version the
-- same time (the snapshot's updated_at is last_modified_at), so a tier change counts once, and
-- a warehouse refreshed day by day has the same periods as one built from scratch on the same
-- files. The earliest version is assumed to hold since the beginning (valid_from NULL): with
-- one version the tier "at the event" equals the current tier.

with raw_versions as (

    select * from {{ ref('stg_salesforce__account_versions') }}

),

snapshot as (

    select * from {{ ref('snap_salesforce__accounts') }}

),

versions as (

    select
        account_id,
        last_modified_at as changed_at,
        abm_tier
    from raw_versions
    where account_id is not null and last_modified_at is not null

    union

    select
        account_id,
        dbt_valid_from as changed_at,
        abm_tier
    from snapshot
    where dbt_valid_from is not null

),

compared as (

    select
        account_id,
        changed_at,
        abm_tier,
        lag(abm_tier) over by_time as previous_abm_tier,
        row_number() over by_time as n_version
    from versions
    window by_time as (partition by account_id order by changed_at, abm_tier nulls first)

),

tier_changes as (

    select
        account_id,
        changed_at,
        abm_tier,
        row_number() over (partition by account_id order by changed_at) as n_period
    from compared
    where n_version = 1 or previous_abm_tier is distinct from abm_tier

),

final as (

    select
        account_id || '-' || cast(n_period as {{ dbt.type_string() }}) as account_tier_period_id,
        account_id,
        case when n_period = 1 then cast(null as timestamp) else changed_at end as valid_from,
        lead(changed_at) over (partition by account_id order by changed_at) as valid_to,
        abm_tier,
        {{ abm_segment('abm_tier') }} as segment
    from tier_changes

)

select * from final
