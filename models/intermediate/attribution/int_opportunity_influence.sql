{{ config(materialized='table') }}

-- Marketing influence per opportunity (catalog F): a marketing touch of the opportunity's
-- account or contact-role persons between var influence_window_days before creation and its
-- close date (inclusive), or as_of_date while open. A table: fct_opportunities and
-- kpi_marketing_influence_monthly read it.

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

windows as (

    select
        opportunity_id,
        account_id,
        {{ dbt.dateadd('day', -1 * var('influence_window_days'), 'created_at') }} as window_start,
        case
            when is_closed and close_date is not null
                then {{ dbt.dateadd('day', 1, 'close_date') }}
            else {{ as_of_end() }}
        end as window_end_exclusive
    from opportunities

),

influencing as (

    select windows.opportunity_id
    from windows
    inner join touches
        on
            windows.account_id = touches.account_id
            and windows.window_start <= touches.touched_at
            and windows.window_end_exclusive > touches.touched_at
    union
    select windows.opportunity_id
    from windows
    inner join contact_persons
        on windows.opportunity_id = contact_persons.opportunity_id
    inner join touches
        on
            contact_persons.person_id = touches.person_id
            and windows.window_start <= touches.touched_at
            and windows.window_end_exclusive > touches.touched_at

),

final as (

    select
        opportunities.opportunity_id,
        opportunities.segment,
        opportunities.close_month,
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.is_lost,
        opportunities.amount_reporting,
        influencing.opportunity_id is not null as is_marketing_influenced
    from opportunities
    left join influencing
        on opportunities.opportunity_id = influencing.opportunity_id

)

select * from final
