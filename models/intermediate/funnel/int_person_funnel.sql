{{ config(materialized='table') }}

-- The first timestamp of every funnel stage of a person, and what makes the person terminal.
--   mql_at      first time the lead score >= var mql_score_threshold
--   sql_at      earliest of: lead status first set to Qualified (lead_history), or the lead's
--               conversion into an opportunity (converted_date at 00:00 UTC)
--   opportunity_at  first creation of an opportunity the person took part in
--   customer_at     first close date (00:00 UTC) of such an opportunity that was won

with persons as (

    select * from {{ ref('int_persons') }}

),

records as (

    select * from {{ ref('int_person_records') }}

),

scores as (

    select * from {{ ref('int_person_scores') }}

),

status_changes as (

    select * from {{ ref('int_person_status_changes') }}

),

leads as (

    select * from {{ ref('stg_salesforce__leads') }}

),

person_opportunities as (

    select * from {{ ref('int_person_opportunities') }}

),

opportunities as (

    select * from {{ ref('int_opportunities') }}

),

nurture as (

    select * from {{ ref('stg_marketing_automation__nurture_enrollments') }}
    where email is not null

),

lead_persons as (

    select
        record_id as lead_id,
        person_id
    from records
    where record_type = 'lead'

),

mql as (

    select
        person_id,
        min(changed_at) as mql_at
    from scores
    where running_score >= {{ var('mql_score_threshold') }}
    group by person_id

),

qualified as (

    select
        person_id,
        min(created_at) as qualified_at
    from status_changes
    where new_value = 'Qualified'
    group by person_id

),

converted as (

    select
        lead_persons.person_id,
        min(cast(leads.converted_date as timestamp)) as converted_to_opportunity_at
    from leads
    inner join lead_persons
        on leads.lead_id = lead_persons.lead_id
    where leads.is_converted and leads.converted_opportunity_id is not null
    group by lead_persons.person_id

),

last_status as (

    select
        person_id,
        new_value as last_status,
        created_at as last_status_at
    from (
        select
            person_id,
            new_value,
            created_at,
            row_number() over (
                partition by person_id order by created_at desc, lead_history_id desc
            ) as change_rank
        from status_changes
    ) as ranked
    where change_rank = 1

),

opportunity_outcomes as (

    select
        person_opportunities.person_id,
        min(opportunities.created_at) as opportunity_at,
        min(case when opportunities.is_won then cast(opportunities.close_date as timestamp) end)
            as customer_at,
        sum(case when opportunities.is_closed then 0 else 1 end) as n_open_opportunities,
        sum(case when opportunities.is_lost then 1 else 0 end) as n_lost_opportunities,
        count(*) as n_opportunities,
        max(case when opportunities.is_lost then cast(opportunities.close_date as timestamp) end)
            as last_lost_at
    from person_opportunities
    inner join opportunities
        on person_opportunities.opportunity_id = opportunities.opportunity_id
    group by person_opportunities.person_id

),

nurtured as (

    select
        {{ dbt.hash('email') }} as person_id,
        min(enrolled_at) as first_nurture_enrolled_at
    from nurture
    group by {{ dbt.hash('email') }}

),

final as (

    select
        persons.person_id,
        persons.account_id,
        persons.segment,
        persons.lead_source,
        persons.created_at,
        mql.mql_at,
        case
            when qualified.qualified_at is null then converted.converted_to_opportunity_at
            when converted.converted_to_opportunity_at is null then qualified.qualified_at
            when qualified.qualified_at < converted.converted_to_opportunity_at
                then qualified.qualified_at
            else converted.converted_to_opportunity_at
        end as sql_at,
        opportunity_outcomes.opportunity_at,
        opportunity_outcomes.customer_at,
        nurtured.first_nurture_enrolled_at,
        last_status.last_status,
        last_status.last_status_at,
        -- terminal: customer; lead status Unqualified; or every opportunity closed-lost
        case
            when opportunity_outcomes.customer_at is not null then opportunity_outcomes.customer_at
            when last_status.last_status = 'Unqualified' then last_status.last_status_at
            when
                opportunity_outcomes.n_opportunities > 0
                and opportunity_outcomes.n_lost_opportunities = opportunity_outcomes.n_opportunities
                then opportunity_outcomes.last_lost_at
        end as terminal_at
    from persons
    left join mql on persons.person_id = mql.person_id
    left join qualified on persons.person_id = qualified.person_id
    left join converted on persons.person_id = converted.person_id
    left join opportunity_outcomes on persons.person_id = opportunity_outcomes.person_id
    left join nurtured on persons.person_id = nurtured.person_id
    left join last_status on persons.person_id = last_status.person_id

)

select * from final
