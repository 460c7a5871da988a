-- Marketing ROI per month, attribution model and spend channel (catalog F):
-- (attributed revenue − marketing cost) / marketing cost. Attributed revenue is won revenue of
-- opportunities closed in the month, weighted by the model (fct_attribution), mapped from touch
-- channel to spend channel by the channel_cost_mapping seed; cost is the month's marketing
-- programs spend of the channel. 'total' = all attributed revenue against all marketing spend
-- (every category). NULL when the cost is 0.

with months as (

    select * from {{ ref('int_months') }}

),

attribution as (

    select * from {{ ref('fct_attribution') }}
    where is_attributed and is_won and close_month <= {{ as_of_month() }}

),

mapping as (

    select * from {{ ref('channel_cost_mapping') }}

),

spend as (

    select * from {{ ref('int_spend_monthly') }}
    where department = 'marketing'

),

attribution_models as (

    select distinct attribution_model from {{ ref('fct_attribution') }}

),

converted_spend as (

    select
        spend_month as metric_month,
        category,
        channel as cost_channel,
        amount_reporting as amount
    from spend

),

costs as (

    select
        metric_month,
        cost_channel,
        sum(amount) as marketing_cost
    from converted_spend
    where category = 'programs' and cost_channel is not null
    group by metric_month, cost_channel
    union all
    select
        metric_month,
        'total' as cost_channel,
        sum(amount) as marketing_cost
    from converted_spend
    group by metric_month

),

revenue as (

    select
        attribution.close_month as metric_month,
        attribution.attribution_model,
        mapping.cost_channel,
        sum(attribution.attributed_revenue) as attributed_revenue
    from attribution
    inner join mapping
        on attribution.channel = mapping.touch_channel
    where mapping.cost_channel is not null
    group by attribution.close_month, attribution.attribution_model, mapping.cost_channel
    union all
    select
        close_month as metric_month,
        attribution_model,
        'total' as cost_channel,
        sum(attributed_revenue) as attributed_revenue
    from attribution
    group by close_month, attribution_model

),

cost_channels as (

    select distinct cost_channel from mapping
    where cost_channel is not null
    union
    select 'total' as cost_channel

),

final as (

    select
        months.metric_month,
        attribution_models.attribution_model,
        cost_channels.cost_channel,
        attribution_models.attribution_model = '{{ var("roi_attribution_model") }}'
            as is_reporting_model,
        coalesce(revenue.attributed_revenue, 0) as attributed_revenue,
        coalesce(costs.marketing_cost, 0) as marketing_cost,
        {{ safe_divide(
            'coalesce(revenue.attributed_revenue, 0) - costs.marketing_cost', 'costs.marketing_cost'
        ) }} as marketing_roi
    from months
    cross join attribution_models
    cross join cost_channels
    left join revenue
        on
            months.metric_month = revenue.metric_month
            and attribution_models.attribution_model = revenue.attribution_model
            and cost_channels.cost_channel = revenue.cost_channel
    left join costs
        on
            months.metric_month = costs.metric_month
            and cost_channels.cost_channel = costs.cost_channel

)

select * from final
