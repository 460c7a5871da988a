-- Win rate and deal value of marketing-influenced vs. not influenced opportunities (catalog F),
-- per close month and segment ('ABM', 'non-ABM', 'all').

with segments as (

    {{ reporting_segments() }}

),

influence as (

    select * from {{ ref('int_opportunity_influence') }}
    where is_closed and close_month <= {{ as_of_month() }}

),

groups as (

    select 'influenced' as influence_group
    union all
    select 'not_influenced' as influence_group

),

grid as (

    select
        month_segments.metric_month,
        month_segments.segment,
        groups.influence_group
    from {{ ref('int_month_segments') }} as month_segments
    cross join groups

),

counts as (

    select
        influence.close_month as metric_month,
        segments.segment,
        case when influence.is_marketing_influenced then 'influenced' else 'not_influenced' end
            as influence_group,
        count(case when influence.is_won then 1 end) as won_deals,
        count(case when influence.is_lost then 1 end) as lost_deals,
        sum(case when influence.is_won then influence.amount_reporting end) as won_amount,
        count(case when influence.is_won then influence.amount_reporting end) as won_deals_with_amount
    from influence
    inner join segments
        on {{ counts_in_group('influence.segment', 'segments.segment') }}
    group by
        influence.close_month,
        segments.segment,
        case when influence.is_marketing_influenced then 'influenced' else 'not_influenced' end

),

final as (

    select
        grid.metric_month,
        grid.segment,
        grid.influence_group,
        coalesce(counts.won_deals, 0) as won_deals,
        coalesce(counts.lost_deals, 0) as lost_deals,
        coalesce(counts.won_deals, 0) + coalesce(counts.lost_deals, 0) as closed_deals,
        {{ safe_divide('counts.won_deals', 'counts.won_deals + counts.lost_deals') }} as win_rate,
        coalesce(counts.won_amount, 0) as won_amount,
        coalesce(counts.won_deals_with_amount, 0) as won_deals_with_amount,
        {{ safe_divide('counts.won_amount', 'counts.won_deals_with_amount') }} as avg_deal_value
    from grid
    left join counts
        on
            grid.metric_month = counts.metric_month
            and grid.segment = counts.segment
            and grid.influence_group = counts.influence_group

)

select * from final
