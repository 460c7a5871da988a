-- NPS per account and quarter (catalog section G): each of the account's persons counts once
-- per quarter with their latest response of the quarter. Only account-quarters with at least
-- one counted response have a row; respondents without an account are left out.

with responses as (

    select * from {{ ref('fct_nps_responses') }}
    where is_latest_in_quarter and account_id is not null

),

counted as (

    select
        account_id,
        metric_quarter,
        segment,
        abm_tier,
        count(*) as responses,
        sum(case when is_promoter then 1 else 0 end) as promoters,
        sum(case when is_passive then 1 else 0 end) as passives,
        sum(case when is_detractor then 1 else 0 end) as detractors,
        avg(cast(score as double)) as mean_score
    from responses
    group by account_id, metric_quarter, segment, abm_tier

),

final as (

    select
        account_id,
        metric_quarter,
        segment,
        abm_tier,
        responses,
        promoters,
        passives,
        detractors,
        mean_score,
        {{ safe_divide('promoters', 'responses') }} as promoter_share,
        {{ safe_divide('detractors', 'responses') }} as detractor_share,
        promoters - detractors as nps_numerator,
        100 * {{ safe_divide('promoters - detractors', 'responses') }} as nps
    from counted

)

select * from final
