-- Pipeline and sales outcome KPIs (catalog section E), one row per month and segment.
-- Cost grows with opportunities × months only for the open-pipeline snapshot (a range join);
-- everything else is one pass over opportunities and activities.

with segments as (

    {{ reporting_segments() }}

),

opportunities as (

    select * from {{ ref('int_opportunities') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

tasks as (

    select * from {{ ref('stg_salesforce__tasks') }}

),

events as (

    select * from {{ ref('stg_salesforce__events') }}

),

first_touches as (

    select * from {{ ref('int_opportunity_first_touches') }}

),

grid as (

    select * from {{ ref('int_month_segments') }}

),

opportunities_by_segment as (

    select
        opportunities.*,
        segments.segment as report_segment
    from opportunities
    inner join segments
        on {{ counts_in_group('opportunities.segment', 'segments.segment') }}

),

created as (

    select
        created_month as metric_month,
        report_segment as segment,
        count(*) as pipeline_created_count,
        sum(amount_reporting) as pipeline_created_amount
    from opportunities_by_segment
    group by created_month, report_segment

),

closed as (

    select
        close_month as metric_month,
        report_segment as segment,
        sum(case when is_won then 1 else 0 end) as won_deals,
        sum(case when is_won then amount_reporting end) as won_amount,
        sum(case when is_won and amount_reporting is not null then 1 else 0 end)
            as won_deals_with_amount,
        sum(case when is_lost then 1 else 0 end) as lost_deals,
        sum(case when is_lost then amount_reporting end) as lost_amount,
        sum(case when is_won then sales_cycle_days end) as won_cycle_days_sum,
        avg(case when is_won then sales_cycle_days end) as sales_cycle_days_mean,
        {{ median('case when is_won then sales_cycle_days end') }} as sales_cycle_days_median,
        sum(case when is_won and has_promo_code then 1 else 0 end) as promo_conversions,
        sum(case when is_won and opportunity_type = 'Expansion' then amount_reporting end)
            as expansion_amount
    from opportunities_by_segment
    where is_closed and close_date <= {{ as_of_date() }}
    group by close_month, report_segment

),

touch_lags as (

    select
        first_touches.created_month as metric_month,
        segments.segment,
        count(*) as opportunities_with_first_touch,
        avg(first_touches.first_touch_to_opportunity_days) as first_touch_to_opportunity_days
    from first_touches
    inner join segments
        on {{ counts_in_group('first_touches.segment', 'segments.segment') }}
    group by first_touches.created_month, segments.segment

),

first_wins as (

    select
        account_id,
        segment,
        min(close_date) as first_won_date
    from opportunities
    where is_won and account_id is not null and close_date <= {{ as_of_date() }}
    group by account_id, segment

),

new_customers as (

    select
        {{ to_month('first_wins.first_won_date') }} as metric_month,
        segments.segment,
        count(*) as new_customers
    from first_wins
    inner join segments
        on {{ counts_in_group('first_wins.segment', 'segments.segment') }}
    group by {{ to_month('first_wins.first_won_date') }}, segments.segment

),

pipeline_daily as (

    select * from {{ ref('fct_pipeline_daily') }}

),

open_pipeline as (

    -- From the pipeline history (fct_pipeline_daily): the opportunities open at the end of the
    -- month's last day (the as-of date for the as-of month), at that day's rate, so a closed
    -- month does not move when a deal's stage or close date changes later.
    select
        grid.metric_month,
        grid.segment,
        count(*) as open_opportunities_at_month_end,
        sum(pipeline_daily.amount_reporting) as open_pipeline_amount_at_month_end
    from grid
    inner join pipeline_daily
        on
            pipeline_daily.pipeline_date = case
                when grid.month_end_exclusive <= {{ as_of_end() }}
                    then cast({{ dbt.dateadd('day', -1, 'grid.month_end_exclusive') }} as date)
                else {{ as_of_date() }}
            end
    inner join opportunities_by_segment
        on
            pipeline_daily.opportunity_id = opportunities_by_segment.opportunity_id
            and grid.segment = opportunities_by_segment.report_segment
    group by grid.metric_month, grid.segment

),

activities as (

    select
        {{ to_month('tasks.activity_date') }} as metric_month,
        coalesce(accounts.segment, 'non-ABM') as segment,
        'call_completed' as activity
    from tasks
    left join accounts on tasks.account_id = accounts.account_id
    where
        tasks.task_type = 'Call'
        and tasks.status = 'Completed'
        and tasks.activity_date <= {{ as_of_date() }}

    union all

    select
        {{ to_month('events.created_at') }} as metric_month,
        coalesce(accounts.segment, 'non-ABM') as segment,
        case when events.event_type = 'Demo' then 'demo_scheduled' else 'meeting_scheduled' end
            as activity
    from events
    left join accounts on events.account_id = accounts.account_id

    union all

    select
        {{ to_month('events.started_at') }} as metric_month,
        coalesce(accounts.segment, 'non-ABM') as segment,
        case when events.event_type = 'Demo' then 'demo_held' else 'meeting_held' end as activity
    from events
    left join accounts on events.account_id = accounts.account_id
    where events.started_at < {{ as_of_end() }}

),

activity_counts as (

    select
        activities.metric_month,
        segments.segment,
        sum(case when activities.activity = 'call_completed' then 1 else 0 end) as calls_completed,
        sum(case when activities.activity = 'meeting_scheduled' then 1 else 0 end) as meetings_scheduled,
        sum(case when activities.activity = 'meeting_held' then 1 else 0 end) as meetings_held,
        sum(case when activities.activity = 'demo_scheduled' then 1 else 0 end) as demos_scheduled,
        sum(case when activities.activity = 'demo_held' then 1 else 0 end) as demos_held
    from activities
    inner join segments
        on {{ counts_in_group('activities.segment', 'segments.segment') }}
    group by activities.metric_month, segments.segment

),

joined as (

    select
        grid.metric_month,
        grid.segment,
        coalesce(created.pipeline_created_count, 0) as pipeline_created_count,
        coalesce(created.pipeline_created_amount, 0) as pipeline_created_amount,
        coalesce(closed.won_deals, 0) as won_deals,
        coalesce(closed.won_amount, 0) as won_amount,
        coalesce(closed.won_deals_with_amount, 0) as won_deals_with_amount,
        coalesce(closed.lost_deals, 0) as lost_deals,
        coalesce(closed.lost_amount, 0) as lost_amount,
        coalesce(closed.won_cycle_days_sum, 0) as won_cycle_days_sum,
        closed.sales_cycle_days_mean,
        closed.sales_cycle_days_median,
        coalesce(closed.promo_conversions, 0) as promo_conversions,
        coalesce(closed.expansion_amount, 0) as expansion_amount,
        coalesce(new_customers.new_customers, 0) as new_customers,
        coalesce(open_pipeline.open_opportunities_at_month_end, 0)
            as open_opportunities_at_month_end,
        coalesce(open_pipeline.open_pipeline_amount_at_month_end, 0)
            as open_pipeline_amount_at_month_end,
        coalesce(activity_counts.calls_completed, 0) as calls_completed,
        coalesce(activity_counts.meetings_scheduled, 0) as meetings_scheduled,
        coalesce(activity_counts.meetings_held, 0) as meetings_held,
        coalesce(activity_counts.demos_scheduled, 0) as demos_scheduled,
        coalesce(activity_counts.demos_held, 0) as demos_held,
        coalesce(touch_lags.opportunities_with_first_touch, 0) as opportunities_with_first_touch,
        touch_lags.first_touch_to_opportunity_days
    from grid
    left join created
        on grid.metric_month = created.metric_month and grid.segment = created.segment
    left join closed
        on grid.metric_month = closed.metric_month and grid.segment = closed.segment
    left join new_customers
        on grid.metric_month = new_customers.metric_month and grid.segment = new_customers.segment
    left join open_pipeline
        on grid.metric_month = open_pipeline.metric_month and grid.segment = open_pipeline.segment
    left join activity_counts
        on
            grid.metric_month = activity_counts.metric_month
            and grid.segment = activity_counts.segment
    left join touch_lags
        on grid.metric_month = touch_lags.metric_month and grid.segment = touch_lags.segment

),

with_trailing_totals as (

    select
        *,
        sum(won_deals) over trailing_12 as won_deals_t12m,
        sum(lost_deals) over trailing_12 as lost_deals_t12m,
        sum(won_amount) over trailing_12 as won_amount_t12m,
        sum(won_deals_with_amount) over trailing_12 as won_deals_with_amount_t12m,
        sum(won_cycle_days_sum) over trailing_12 as won_cycle_days_sum_t12m,
        lag(new_customers, 12) over (partition by segment order by metric_month)
            as new_customers_prior_year
    from joined
    window trailing_12 as (
        partition by segment order by metric_month rows between 11 preceding and current row
    )

),

final as (

    select
        metric_month,
        segment,
        pipeline_created_count,
        pipeline_created_amount,
        won_deals,
        won_amount,
        lost_deals,
        lost_amount,
        new_customers,
        new_customers_prior_year,
        {{ safe_divide('won_deals', 'won_deals + lost_deals') }} as win_rate,
        won_deals as win_rate_numerator,
        won_deals + lost_deals as win_rate_denominator,
        {{ safe_divide('won_amount', 'won_amount + lost_amount') }} as win_rate_by_amount,
        {{ safe_divide('won_amount', 'won_deals_with_amount') }} as avg_deal_value,
        won_deals_with_amount,
        sales_cycle_days_mean,
        sales_cycle_days_median,
        promo_conversions,
        {{ safe_divide('promo_conversions', 'won_deals') }} as promo_conversion_share,
        expansion_amount,
        open_opportunities_at_month_end,
        open_pipeline_amount_at_month_end,
        {{ safe_divide('won_deals_t12m', 'won_deals_t12m + lost_deals_t12m') }} as win_rate_t12m,
        {{ safe_divide('won_amount_t12m', 'won_deals_with_amount_t12m') }} as avg_deal_value_t12m,
        {{ safe_divide('won_cycle_days_sum_t12m', 'won_deals_t12m') }} as sales_cycle_days_t12m,
        round(
            open_opportunities_at_month_end
            * {{ safe_divide('won_deals_t12m', 'won_deals_t12m + lost_deals_t12m') }}
            * {{ safe_divide('won_amount_t12m', 'won_deals_with_amount_t12m') }}
            / nullif({{ safe_divide('won_cycle_days_sum_t12m', 'won_deals_t12m') }}, 0),
            2
        ) as sales_velocity,
        calls_completed,
        meetings_scheduled,
        meetings_held,
        demos_scheduled,
        demos_held,
        opportunities_with_first_touch,
        first_touch_to_opportunity_days
    from with_trailing_totals

)

select * from final
