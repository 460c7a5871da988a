{{ config(materialized='table') }}

-- The attribution touch list of each opportunity (catalog F, resolved readings): the marketing
-- touches of its account and of its contact-role persons in the window
-- [created − var influence_window_days, created] (inclusive), ordered by time then touch id,
-- with the positions the attribution models use. Range joins of opportunities with their
-- account's and contacts' touches (cost ~ touches in the windows).

with opportunities as (

    select * from {{ ref('int_opportunities') }}
    where created_at < {{ as_of_end() }}

),

touches as (

    select * from {{ ref('int_touchpoints') }}

),

contact_persons as (

    select * from {{ ref('int_opportunity_contact_persons') }}

),

account_touches as (

    select
        opportunities.opportunity_id,
        touches.touch_id
    from opportunities
    inner join touches
        on
            opportunities.account_id = touches.account_id
            and opportunities.created_at >= touches.touched_at
            and touches.touched_at >= {{ dbt.dateadd(
                'day', -1 * var('influence_window_days'), 'opportunities.created_at'
            ) }}

),

person_touches as (

    select
        opportunities.opportunity_id,
        touches.touch_id
    from opportunities
    inner join contact_persons
        on opportunities.opportunity_id = contact_persons.opportunity_id
    inner join touches
        on
            contact_persons.person_id = touches.person_id
            and opportunities.created_at >= touches.touched_at
            and touches.touched_at >= {{ dbt.dateadd(
                'day', -1 * var('influence_window_days'), 'opportunities.created_at'
            ) }}

),

window_touches as (

    select
        opportunity_id,
        touch_id
    from account_touches
    union
    select
        opportunity_id,
        touch_id
    from person_touches

),

first_contacts as (

    select
        opportunity_id,
        min(person_created_at) as first_contact_created_at
    from contact_persons
    group by opportunity_id

),

ranked as (

    select
        window_touches.opportunity_id,
        touches.touch_id,
        touches.touch_type,
        touches.touched_at,
        touches.channel,
        touches.campaign_id,
        touches.person_id,
        opportunities.created_at as opportunity_created_at,
        first_contacts.first_contact_created_at,
        {{ days_between('touches.touched_at', 'opportunities.created_at') }} as days_before_creation,
        row_number() over (
            partition by window_touches.opportunity_id
            order by touches.touched_at, touches.touch_id
        ) as touch_rank,
        count(*) over (partition by window_touches.opportunity_id) as n_touches
    from window_touches
    inner join touches
        on window_touches.touch_id = touches.touch_id
    inner join opportunities
        on window_touches.opportunity_id = opportunities.opportunity_id
    left join first_contacts
        on window_touches.opportunity_id = first_contacts.opportunity_id

),

lead_creation as (

    -- The latest touch at or before the earliest contact's creation; else the first touch.
    select
        opportunity_id,
        max(touch_rank) as lead_creation_rank
    from ranked
    where touched_at <= first_contact_created_at
    group by opportunity_id

),

final as (

    select
        ranked.*,
        coalesce(lead_creation.lead_creation_rank, 1) as lead_creation_rank,
        ranked.touch_rank = 1 as is_first_touch,
        ranked.touch_rank = ranked.n_touches as is_last_touch,
        ranked.touch_rank = coalesce(lead_creation.lead_creation_rank, 1) as is_lead_creation_touch
    from ranked
    left join lead_creation
        on ranked.opportunity_id = lead_creation.opportunity_id

)

select * from final
