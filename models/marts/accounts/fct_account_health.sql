-- Account health at as_of_date (catalog G), for customers (MRR now or three months ago): a
-- 0–100 composite of three components, weighted by
-- var health_weights over the components an account has (a missing component's weight is
-- spread over the others in proportion; no component → NULL):
--   nps:              the account's NPS of its latest quarter with responses in the last four,
--                     mapped from [−100, 100] to [0, 100]
--   mrr_trend:        MRR now vs three month-ends earlier: 50 + 50 × relative change, clipped to
--                     [0, 100] (churn → 0, doubling → 100, new MRR → 100, no MRR at either → NULL)
--   engagement_trend: engagement score now vs 90 days earlier, the same mapping (no engagement at
--                     either → 0)

{%- set w = var('health_weights') %}

with accounts as (

    select * from {{ ref('int_accounts') }}

),

daily as (

    select * from {{ ref('fct_account_daily') }}

),

mrr as (

    select * from {{ ref('int_account_mrr_monthly') }}

),

nps as (

    select * from {{ ref('kpi_nps_accounts_quarterly') }}
    where
        metric_quarter <= {{ as_of_date() }}
        and metric_quarter > {{ dbt.dateadd('month', -12, as_of_date()) }}

),

latest_nps as (

    select
        account_id,
        metric_quarter as nps_quarter,
        nps
    from (
        select
            account_id,
            metric_quarter,
            nps,
            row_number() over (partition by account_id order by metric_quarter desc) as quarter_rank
        from nps
    ) as ranked
    where quarter_rank = 1

),

engagement_now as (

    select
        account_id,
        account_engagement_score
    from daily
    where state_date <= {{ as_of_date() }} and valid_until_date > {{ as_of_date() }}

),

engagement_before as (

    select
        account_id,
        account_engagement_score
    from daily
    where
        state_date <= {{ dbt.dateadd('day', -90, as_of_date()) }}
        and valid_until_date > {{ dbt.dateadd('day', -90, as_of_date()) }}

),

mrr_now as (

    select
        account_id,
        mrr
    from mrr
    where metric_month = {{ as_of_month() }}

),

mrr_before as (

    select
        account_id,
        mrr
    from mrr
    where metric_month = {{ dbt.dateadd('month', -3, as_of_month()) }}

),

inputs as (

    select
        accounts.account_id,
        accounts.segment,
        latest_nps.nps_quarter,
        latest_nps.nps,
        coalesce(mrr_now.mrr, 0) as mrr_now,
        coalesce(mrr_before.mrr, 0) as mrr_3_months_ago,
        coalesce(engagement_now.account_engagement_score, 0) as engagement_score_now,
        coalesce(engagement_before.account_engagement_score, 0) as engagement_score_90_days_ago
    from accounts
    left join latest_nps
        on accounts.account_id = latest_nps.account_id
    left join mrr_now
        on accounts.account_id = mrr_now.account_id
    left join mrr_before
        on accounts.account_id = mrr_before.account_id
    left join engagement_now
        on accounts.account_id = engagement_now.account_id
    left join engagement_before
        on accounts.account_id = engagement_before.account_id

),

components as (

    select
        *,
        (nps + 100) / 2.0 as nps_component,
        case
            when mrr_3_months_ago = 0 and mrr_now = 0 then null
            when mrr_3_months_ago = 0 then 100.0
            when mrr_now >= 2 * mrr_3_months_ago then 100.0
            else 50.0 + 50.0 * (mrr_now - mrr_3_months_ago) / mrr_3_months_ago
        end as mrr_trend_component,
        case
            when engagement_score_90_days_ago = 0 and engagement_score_now = 0 then 0.0
            when engagement_score_90_days_ago = 0 then 100.0
            when engagement_score_now >= 2 * engagement_score_90_days_ago then 100.0
            else
                50.0 + 50.0 * (engagement_score_now - engagement_score_90_days_ago)
                / engagement_score_90_days_ago
        end as engagement_trend_component
    from inputs

),

weighted as (

    select
        *,
        coalesce({{ w['nps'] }} * nps_component, 0)
        + coalesce({{ w['mrr_trend'] }} * mrr_trend_component, 0)
        + coalesce({{ w['engagement_trend'] }} * engagement_trend_component, 0) as weighted_sum,
        case when nps_component is null then 0 else {{ w['nps'] }} end
        + case when mrr_trend_component is null then 0 else {{ w['mrr_trend'] }} end
        + case when engagement_trend_component is null then 0 else {{ w['engagement_trend'] }} end
            as weight_present
    from components

)

select
    account_id,
    segment,
    nps_quarter,
    nps,
    mrr_now,
    mrr_3_months_ago,
    engagement_score_now,
    engagement_score_90_days_ago,
    nps_component,
    mrr_trend_component,
    engagement_trend_component,
    case
        when mrr_now > 0 or mrr_3_months_ago > 0
            then round({{ safe_divide('weighted_sum', 'weight_present') }}, 1)
    end as account_health_score
from weighted
