{{ config(materialized='table') }}

-- The open pipeline of every day: each opportunity open at the end of the day (its state =
-- the version of int_opportunity_versions in force at the day's last instant), up to the
-- as-of date. Rebuilt on every run: a day's row depends on the opportunity's versions, its
-- current account and currency and its account's tier history, any of which a CRM delta can
-- change for every past day (a deleted opportunity leaves them all); a range join of days and
-- versions, cheap at any scale (opportunities × open days, see the YAML). Money is converted
-- at the rate in force on the day itself, so a day's row never depends on a later as-of date.

with versions as (

    select * from {{ ref('int_opportunity_versions') }}

),

opportunities as (

    select * from {{ ref('int_opportunities') }}

),

tiers as (

    select * from {{ ref('int_account_tier_history') }}

),

rates as (

    select * from {{ ref('int_currency_rates') }}

),

spine as (

    {{ dbt.date_spine('day', "cast('2000-01-01' as date)", dbt.dateadd('day', 1, as_of_date())) }}

),

days as (

    select
        cast(spine.date_day as date) as pipeline_date,
        cast({{ dbt.dateadd('day', 1, 'spine.date_day') }} as timestamp) as day_end_exclusive
    from spine
    where
        cast(spine.date_day as date) <= {{ as_of_date() }}
        and cast(spine.date_day as date) >= (
            select cast(min(versions.valid_from) as date) as first_day
            from versions
        )

),

open_states as (

    select
        days.pipeline_date,
        days.day_end_exclusive,
        versions.opportunity_id,
        versions.stage_name,
        versions.probability,
        versions.amount,
        versions.close_date
    from days
    inner join versions
        on
            days.day_end_exclusive > versions.valid_from
            and (versions.valid_to is null or days.day_end_exclusive <= versions.valid_to)
    where not versions.is_closed

),

final as (

    select
        -- ids
        open_states.opportunity_id || '-' || cast(open_states.pipeline_date as {{ dbt.type_string() }})
            as pipeline_day_id,
        open_states.pipeline_date,
        open_states.opportunity_id,
        opportunities.account_id,

        -- segment in force on the day
        tiers.abm_tier,
        {{ abm_segment('tiers.abm_tier') }} as segment,

        -- state at the end of the day
        open_states.stage_name,
        open_states.probability,
        open_states.close_date,
        open_states.close_date < open_states.pipeline_date as is_overdue,

        -- money
        open_states.amount,
        opportunities.currency_code,
        open_states.amount * rates.to_reporting_rate as amount_reporting,
        open_states.amount * rates.to_reporting_rate * open_states.probability / 100.0
            as weighted_amount_reporting
    from open_states
    inner join opportunities
        on open_states.opportunity_id = opportunities.opportunity_id
    left join tiers
        on
            opportunities.account_id = tiers.account_id
            and (tiers.valid_from is null or open_states.day_end_exclusive > tiers.valid_from)
            and (tiers.valid_to is null or open_states.day_end_exclusive <= tiers.valid_to)
    left join rates
        on
            opportunities.currency_code = rates.currency_code
            and open_states.pipeline_date >= rates.valid_from
            and open_states.pipeline_date < rates.valid_to

)

select * from final
