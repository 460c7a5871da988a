-- NPS per quarter and segment (catalog section G). Each person counts once per quarter, with
-- the latest response of the quarter (fct_nps_responses.is_latest_in_quarter).
-- nps = (promoters − detractors) / responses × 100, NULL without responses.

with segments as (

    {{ reporting_segments() }}

),

quarters as (

    select distinct cast({{ dbt.date_trunc('quarter', 'metric_month') }} as date) as metric_quarter
    from {{ ref('int_months') }}

),

responses as (

    select * from {{ ref('fct_nps_responses') }}
    where is_latest_in_quarter

),

grid as (

    select
        quarters.metric_quarter,
        segments.segment
    from quarters
    cross join segments

),

counted as (

    select
        responses.metric_quarter,
        segments.segment,
        count(*) as responses,
        sum(case when responses.is_promoter then 1 else 0 end) as promoters,
        sum(case when responses.is_passive then 1 else 0 end) as passives,
        sum(case when responses.is_detractor then 1 else 0 end) as detractors
    from responses
    inner join segments
        on {{ counts_in_group('responses.segment', 'segments.segment') }}
    group by responses.metric_quarter, segments.segment

),

joined as (

    select
        grid.metric_quarter,
        grid.segment,
        coalesce(counted.responses, 0) as responses,
        coalesce(counted.promoters, 0) as promoters,
        coalesce(counted.passives, 0) as passives,
        coalesce(counted.detractors, 0) as detractors
    from grid
    left join counted
        on grid.metric_quarter = counted.metric_quarter and grid.segment = counted.segment

),

final as (

    select
        metric_quarter,
        segment,
        responses,
        promoters,
        passives,
        detractors,
        {{ safe_divide('promoters', 'responses') }} as promoter_share,
        {{ safe_divide('detractors', 'responses') }} as detractor_share,
        promoters - detractors as nps_numerator,
        100 * {{ safe_divide('promoters - detractors', 'responses') }} as nps
    from joined

)

select * from final
