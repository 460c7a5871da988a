with scores as (

    select * from {{ ref('int_person_scores') }}

),

persons as (

    select * from {{ ref('int_persons') }}

),

final as (

    select
        scores.lead_score_change_id,
        scores.person_id,
        persons.segment,
        scores.changed_at,
        scores.score_delta,
        scores.running_score,
        scores.running_score >= {{ var('mql_score_threshold') }} as is_at_or_above_mql_threshold
    from scores
    inner join persons
        on scores.person_id = persons.person_id

)

select * from final
