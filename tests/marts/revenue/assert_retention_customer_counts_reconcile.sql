-- Customers at the end of a month are the retained ones plus new and reactivated logos, and
-- customers at the start are the retained ones plus the churned ones; 'all' = ABM + non-ABM.

with retention as (

    select * from {{ ref('kpi_revenue_retention_monthly') }}

),

by_month as (

    select
        metric_month,
        sum(case when segment = 'all' then customers_end else -customers_end end) as all_minus_parts
    from retention
    group by metric_month

)

select
    retention.metric_month,
    retention.segment,
    'end <> retained + new + reactivated' as problem
from retention
where
    retention.customers_end
    <> retention.customers_retained + retention.new_customers + retention.reactivated_customers

union all

select
    retention.metric_month,
    retention.segment,
    'start <> retained + churned' as problem
from retention
where retention.customers_start <> retention.customers_retained + retention.churned_customers

union all

select
    by_month.metric_month,
    'all' as segment,
    'all <> ABM + non-ABM' as problem
from by_month
where by_month.all_minus_parts <> 0
