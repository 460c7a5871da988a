with funnel as (

    select * from {{ ref('int_person_funnel') }}

),

persons as (

    select * from {{ ref('int_persons') }}

),

scores as (

    select * from {{ ref('int_person_scores') }}

),

status_changes as (

    select * from {{ ref('int_person_status_changes') }}
    where created_at < {{ as_of_end() }}

),

recycling as (

    select
        person_id,
        sum(case when new_value = 'Recycled' then 1 else 0 end) as times_recycled,
        sum(
            case
                when old_value = 'Recycled' and new_value in ('Open', 'Working', 'Nurturing')
                    then 1
                else 0
            end
        ) as times_reopened
    from status_changes
    group by person_id

),

current_scores as (

    select
        person_id,
        sum(score_delta) as lead_score
    from scores
    where changed_at < {{ as_of_end() }}
    group by person_id

),

final as (

    select
        funnel.person_id,
        persons.email,
        funnel.account_id,
        persons.account_match_method,
        funnel.segment,
        persons.abm_tier,
        funnel.lead_source,
        persons.first_record_type,
        persons.n_lead_records,
        persons.n_contact_records,
        funnel.created_at,
        funnel.mql_at,
        funnel.sql_at,
        funnel.opportunity_at,
        funnel.customer_at,
        funnel.terminal_at,
        case
            when funnel.customer_at is not null then 'customer'
            when funnel.terminal_at is not null and funnel.last_status = 'Unqualified'
                then 'unqualified'
            when funnel.terminal_at is not null then 'lost'
            when funnel.opportunity_at is not null then 'opportunity'
            when funnel.sql_at is not null then 'sql'
            when funnel.mql_at is not null then 'mql'
            else 'new'
        end as current_stage,
        funnel.last_status as current_lead_status,
        coalesce(current_scores.lead_score, 0) as lead_score,
        funnel.first_nurture_enrolled_at,
        funnel.first_nurture_enrolled_at is not null as is_nurtured,
        coalesce(recycling.times_recycled, 0) as times_recycled,
        coalesce(recycling.times_reopened, 0) as times_reopened,
        persons.has_missing_account
    from funnel
    inner join persons
        on funnel.person_id = persons.person_id
    left join current_scores
        on funnel.person_id = current_scores.person_id
    left join recycling
        on funnel.person_id = recycling.person_id

)

select * from final
