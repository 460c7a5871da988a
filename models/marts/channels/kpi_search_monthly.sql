-- keywords_in_top_10 (catalog B, resolved reading: keywords whose monthly mean position
-- ≤ 10) and the mean position across keywords, one row per month. Every keyword with at least
-- one ranked day in the month weighs the same in the mean (sum of keyword means / keywords).
-- Months: the reporting months (int_months) plus any month with rank data outside them, so a
-- reporting month without rank data shows 0 keywords tracked.

with keywords as (

    select * from {{ ref('kpi_search_keywords_monthly') }}

),

months as (

    select metric_month from {{ ref('int_months') }}
    union
    select metric_month from keywords

),

aggregated as (

    select
        metric_month,
        count(*) as keywords_tracked,
        sum(case when is_in_top_10 then 1 else 0 end) as keywords_in_top_10,
        sum(search_avg_position) as sum_keyword_avg_positions
    from keywords
    group by metric_month

),

final as (

    select
        months.metric_month,
        coalesce(aggregated.keywords_tracked, 0) as keywords_tracked,
        coalesce(aggregated.keywords_in_top_10, 0) as keywords_in_top_10,
        {{ safe_divide('aggregated.keywords_in_top_10', 'aggregated.keywords_tracked') }}
            as share_keywords_in_top_10,
        aggregated.sum_keyword_avg_positions,
        {{ safe_divide('aggregated.sum_keyword_avg_positions', 'aggregated.keywords_tracked') }}
            as search_avg_position
    from months
    left join aggregated
        on months.metric_month = aggregated.metric_month

)

select * from final
