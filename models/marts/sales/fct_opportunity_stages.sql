-- Each stage change of an opportunity with the time it spent there (until the next change,
-- or until var as_of_date for its current stage).

with history as (

    select * from {{ ref('stg_salesforce__opportunity_history') }}

),

opportunities as (

    select * from {{ ref('int_opportunities') }}

),

ordered as (

    select
        opportunity_history_id,
        opportunity_id,
        stage_name,
        amount,
        probability,
        created_at as entered_at,
        lead(created_at) over (
            partition by opportunity_id order by created_at, opportunity_history_id
        ) as exited_at,
        row_number() over (
            partition by opportunity_id, stage_name order by created_at, opportunity_history_id
        ) as entry_number
    from history

),

final as (

    select
        ordered.opportunity_history_id,
        ordered.opportunity_id,
        opportunities.segment,
        ordered.stage_name,
        ordered.entry_number,
        ordered.entry_number = 1 as is_first_entry,
        ordered.amount,
        ordered.probability,
        ordered.entered_at,
        ordered.exited_at,
        ordered.exited_at is null as is_current_stage,
        {{ days_between('ordered.entered_at', 'coalesce(ordered.exited_at, ' ~ as_of_end() ~ ')') }}
            as days_in_stage
    from ordered
    inner join opportunities
        on ordered.opportunity_id = opportunities.opportunity_id

)

select * from final
