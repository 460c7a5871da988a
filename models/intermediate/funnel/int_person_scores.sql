{{ config(materialized='table') }}

-- A person's lead score at an instant = running sum of score_delta of its lead_score_change
-- rows up to that instant.

with changes as (

    select * from {{ ref('stg_marketing_automation__lead_score_changes') }}
    where email is not null

),

persons as (

    select * from {{ ref('int_persons') }}

),

matched as (

    select
        persons.person_id,
        changes.lead_score_change_id,
        changes.changed_at,
        changes.score_delta
    from changes
    inner join persons
        on {{ dbt.hash('changes.email') }} = persons.person_id

),

final as (

    select
        person_id,
        lead_score_change_id,
        changed_at,
        score_delta,
        sum(score_delta) over (
            partition by person_id
            order by changed_at, lead_score_change_id
            rows between unbounded preceding and current row
        ) as running_score
    from matched

)

select * from final
