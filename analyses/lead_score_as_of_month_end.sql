-- Each person's lead score at every month end since it was created: the running score of its
-- latest score change before the month's end (0 before the first change).

with months as (

    select * from {{ ref('int_months') }}

),

persons as (

    select * from {{ ref('dim_persons') }}

),

changes as (

    select * from {{ ref('fct_lead_score_changes') }}

),

person_months as (

    select
        persons.person_id,
        months.metric_month,
        months.month_end_exclusive
    from persons
    inner join months
        on persons.created_at < months.month_end_exclusive

),

latest_change as (

    select
        person_months.person_id,
        person_months.metric_month,
        changes.running_score,
        row_number() over (
            partition by person_months.person_id, person_months.metric_month
            order by changes.changed_at desc, changes.lead_score_change_id desc
        ) as change_rank
    from person_months
    left join changes
        on
            person_months.person_id = changes.person_id
            and person_months.month_end_exclusive > changes.changed_at

)

select
    person_id,
    metric_month,
    coalesce(running_score, 0) as lead_score_at_month_end
from latest_change
where change_rank = 1
