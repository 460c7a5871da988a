{{ config(materialized='table') }}

-- First time each opportunity entered each stage (from opportunity_history), and whether it
-- was re-opened (a Closed Lost / Closed Won entry followed later by an open stage).

with history as (

    select * from {{ ref('stg_salesforce__opportunity_history') }}

),

ordered as (

    select
        opportunity_id,
        stage_name,
        created_at,
        lead(stage_name) over (
            partition by opportunity_id order by created_at, opportunity_history_id
        ) as next_stage_name
    from history

),

final as (

    select
        opportunity_id,
        min(case when stage_name = 'Prospecting' then created_at end) as prospecting_at,
        min(case when stage_name = 'Discovery' then created_at end) as discovery_at,
        min(case when stage_name = 'Demo' then created_at end) as demo_at,
        min(case when stage_name = 'Proposal' then created_at end) as proposal_at,
        min(case when stage_name = 'Negotiation' then created_at end) as negotiation_at,
        min(case when stage_name = 'Closed Won' then created_at end) as closed_won_at,
        min(case when stage_name = 'Closed Lost' then created_at end) as closed_lost_at,
        max(
            case
                when
                    stage_name in ('Closed Won', 'Closed Lost')
                    and next_stage_name is not null
                    and next_stage_name not in ('Closed Won', 'Closed Lost')
                    then 1
                else 0
            end
        ) = 1 as was_reopened,
        count(*) as n_stage_changes
    from ordered
    group by opportunity_id

)

select * from final
