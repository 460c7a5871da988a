-- ABM vs non-ABM: win rate, average deal value and sales cycle over the last four quarters,
-- rolled up from numerators and denominators (never by averaging monthly rates).
-- Compile with `dbt compile -s abm_vs_non_abm_last_four_quarters` and run the SQL in
-- target/compiled/, or paste it into any DuckDB client opened read-only on the warehouse.

with monthly as (

    select * from {{ ref('kpi_sales_monthly') }}
    where metric_month > {{ dbt.dateadd('month', -12, as_of_month()) }}

),

quarterly as (

    select
        cast({{ dbt.date_trunc('quarter', 'metric_month') }} as date) as metric_quarter,
        segment,
        sum(won_deals) as won_deals,
        sum(lost_deals) as lost_deals,
        sum(won_amount) as won_amount,
        sum(won_deals_with_amount) as won_deals_with_amount
    from monthly
    group by cast({{ dbt.date_trunc('quarter', 'metric_month') }} as date), segment

)

select
    metric_quarter,
    segment,
    won_deals,
    lost_deals,
    {{ safe_divide('won_deals', 'won_deals + lost_deals') }} as win_rate,
    {{ safe_divide('won_amount', 'won_deals_with_amount') }} as avg_deal_value
from quarterly
order by metric_quarter, segment
