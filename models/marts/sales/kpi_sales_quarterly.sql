-- Quarter and year roll-ups of kpi_sales_monthly: sums of numerators over sums of
-- denominators, never averages of monthly rates.

with monthly as (

    select * from {{ ref('kpi_sales_monthly') }}

),

periods as (

    select
        'quarter' as period_type,
        cast({{ dbt.date_trunc('quarter', 'metric_month') }} as date) as period_start,
        monthly.*
    from monthly

    union all

    select
        'year' as period_type,
        cast({{ dbt.date_trunc('year', 'metric_month') }} as date) as period_start,
        monthly.*
    from monthly

),

summed as (

    select
        period_type,
        period_start,
        segment,
        count(*) as months_in_period,
        sum(pipeline_created_count) as pipeline_created_count,
        sum(pipeline_created_amount) as pipeline_created_amount,
        sum(won_deals) as won_deals,
        sum(won_amount) as won_amount,
        sum(won_deals_with_amount) as won_deals_with_amount,
        sum(lost_deals) as lost_deals,
        sum(lost_amount) as lost_amount,
        sum(new_customers) as new_customers,
        sum(promo_conversions) as promo_conversions,
        sum(expansion_amount) as expansion_amount,
        sum(calls_completed) as calls_completed,
        sum(meetings_scheduled) as meetings_scheduled,
        sum(meetings_held) as meetings_held,
        sum(demos_scheduled) as demos_scheduled,
        sum(demos_held) as demos_held
    from periods
    group by period_type, period_start, segment

),

final as (

    select
        *,
        {{ safe_divide('won_deals', 'won_deals + lost_deals') }} as win_rate,
        {{ safe_divide('won_amount', 'won_amount + lost_amount') }} as win_rate_by_amount,
        {{ safe_divide('won_amount', 'won_deals_with_amount') }} as avg_deal_value,
        {{ safe_divide('promo_conversions', 'won_deals') }} as promo_conversion_share
    from summed

)

select * from final
