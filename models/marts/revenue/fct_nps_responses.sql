-- One row per NPS survey response, with its score band and the respondent's person, account
-- and segment. The respondent is the person of the normalised e-mail (same key as
-- int_person_records, so the hash equals int_persons.person_id); a response without a valid
-- e-mail is its own respondent, keyed by its response id. Responses of the as-of date or
-- earlier count in the KPIs; later ones are kept here, flagged is_future_dated.

with responses as (

    select * from {{ ref('stg_surveys__nps_responses') }}

),

persons as (

    select * from {{ ref('int_persons') }}

),

keyed as (

    select
        *,
        {{ dbt.hash("coalesce(email, " ~ dbt.concat(["'nps_response:'", 'nps_response_id']) ~ ")") }}
            as person_id
    from responses

),

banded as (

    select
        keyed.*,
        case
            when keyed.score between 9 and 10 then 'promoter'
            when keyed.score between 7 and 8 then 'passive'
            when keyed.score between 0 and 6 then 'detractor'
        end as score_band,
        cast({{ dbt.date_trunc('quarter', 'keyed.submitted_at') }} as date) as metric_quarter,
        -- countable: known by the as-of date, with a score in 0..10
        not keyed.is_future_dated and keyed.score between 0 and 10 as is_countable
    from keyed

),

ranked as (

    select
        *,
        row_number() over (
            partition by person_id, metric_quarter, is_countable
            order by submitted_at desc, nps_response_id desc
        ) as recency_rank
    from banded

),

final as (

    select
        -- ids
        ranked.nps_response_id,
        ranked.person_id,
        ranked.email,
        persons.account_id,

        -- segment
        coalesce(persons.segment, 'non-ABM') as segment,
        persons.abm_tier,

        -- response
        ranked.score,
        ranked.score_band,
        ranked.score_band = 'promoter' as is_promoter,
        ranked.score_band = 'passive' as is_passive,
        ranked.score_band = 'detractor' as is_detractor,
        ranked.comment,

        -- time
        ranked.submitted_at,
        {{ to_month('ranked.submitted_at') }} as submitted_month,
        ranked.metric_quarter,

        -- the response that counts for the person in the quarter (latest; ties: highest id)
        ranked.is_countable and ranked.recency_rank = 1 as is_latest_in_quarter,

        -- flags
        persons.person_id is not null as is_known_person,
        ranked.has_invalid_email,
        ranked.is_future_dated
    from ranked
    left join persons
        on ranked.person_id = persons.person_id

)

select * from final
