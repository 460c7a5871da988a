-- The waterfall's closing pipeline of each month is the open pipeline of fct_pipeline_daily on
-- the month's last day (or the as-of date), due by the month's end: same count and amount.

with waterfall as (

    select * from {{ ref('kpi_pipeline_monthly') }}
    where segment = 'all'

),

daily as (

    select * from {{ ref('fct_pipeline_daily') }}

),

closing_days as (

    select
        metric_month,
        case
            when cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'metric_month')) }} as date)
                < {{ as_of_date() }}
                then cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'metric_month')) }} as date)
            else {{ as_of_date() }}
        end as closing_date,
        cast({{ dbt.dateadd('month', 1, 'metric_month') }} as date) as next_month
    from waterfall

),

daily_closing as (

    select
        closing_days.metric_month,
        count(daily.opportunity_id) as n_open,
        coalesce(sum(daily.amount_reporting), 0) as open_amount
    from closing_days
    left join daily
        on
            closing_days.closing_date = daily.pipeline_date
            and closing_days.next_month > daily.close_date
    group by closing_days.metric_month

)

select
    waterfall.metric_month,
    waterfall.closing_pipeline_count,
    daily_closing.n_open,
    waterfall.closing_pipeline_amount,
    daily_closing.open_amount
from waterfall
inner join daily_closing
    on waterfall.metric_month = daily_closing.metric_month
where
    waterfall.closing_pipeline_count <> daily_closing.n_open
    or abs(waterfall.closing_pipeline_amount - daily_closing.open_amount) >= 0.01
