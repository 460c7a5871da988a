{{ config(materialized='table') }}

-- The first marketing touch of each opportunity's account at or before the opportunity's
-- creation. Range join of opportunities with their account's touches (cost ~ touches).

with opportunities as (

    select * from {{ ref('int_opportunities') }}

),

touches as (

    select * from {{ ref('int_touchpoints') }}
    where account_id is not null

),

first_touches as (

    select
        opportunities.opportunity_id,
        min(touches.touched_at) as first_touch_at
    from opportunities
    inner join touches
        on
            opportunities.account_id = touches.account_id
            and opportunities.created_at >= touches.touched_at
    group by opportunities.opportunity_id

),

final as (

    select
        opportunities.opportunity_id,
        opportunities.segment,
        opportunities.created_month,
        first_touches.first_touch_at,
        {{ days_between('first_touches.first_touch_at', 'opportunities.created_at') }}
            as first_touch_to_opportunity_days
    from opportunities
    inner join first_touches
        on opportunities.opportunity_id = first_touches.opportunity_id

)

select * from final
