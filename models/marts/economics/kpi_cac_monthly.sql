{#- Disabled on Spark: it reads fct_account_ltv, a Python model (macros/utils/engines.sql). -#}
{{ config(enabled=enabled_on_target('kpi_cac_monthly')) }}

-- Customer acquisition cost per month (catalog F): every spend_monthly row of the month
-- (marketing and sales, all categories, converted at the rate in force on the month's first
-- day) / new customers (accounts whose first won deal closed in the month), also over the
-- trailing three months; and LTV:CAC of the month's new customers.

with months as (

    select * from {{ ref('int_months') }}

),

spend as (

    select * from {{ ref('int_spend_monthly') }}

),

opportunities as (

    select * from {{ ref('int_opportunities') }}

),

account_ltv as (

    select * from {{ ref('fct_account_ltv') }}

),

monthly_spend as (

    select
        spend.spend_month as metric_month,
        sum(case when spend.department = 'marketing' then spend.amount_reporting end)
            as marketing_spend,
        sum(case when spend.department = 'sales' then spend.amount_reporting end) as sales_spend,
        sum(spend.amount_reporting) as total_spend,
        count(case when spend.is_unconverted then 1 end) as unconverted_spend_rows
    from spend
    group by spend.spend_month

),

first_wins as (

    select
        account_id,
        min(close_date) as first_won_date
    from opportunities
    where is_won and account_id is not null and close_date <= {{ as_of_date() }}
    group by account_id

),

new_customers as (

    select
        {{ to_month('first_wins.first_won_date') }} as metric_month,
        count(*) as new_customers,
        count(account_ltv.ltv_total) as new_customers_with_ltv,
        avg(account_ltv.ltv_total) as avg_ltv_new_customers
    from first_wins
    left join account_ltv
        on first_wins.account_id = account_ltv.account_id
    group by {{ to_month('first_wins.first_won_date') }}

),

monthly as (

    select
        months.metric_month,
        coalesce(monthly_spend.marketing_spend, 0) as marketing_spend,
        coalesce(monthly_spend.sales_spend, 0) as sales_spend,
        coalesce(monthly_spend.total_spend, 0) as total_spend,
        coalesce(monthly_spend.unconverted_spend_rows, 0) as unconverted_spend_rows,
        coalesce(new_customers.new_customers, 0) as new_customers,
        coalesce(new_customers.new_customers_with_ltv, 0) as new_customers_with_ltv,
        new_customers.avg_ltv_new_customers
    from months
    left join monthly_spend
        on months.metric_month = monthly_spend.metric_month
    left join new_customers
        on months.metric_month = new_customers.metric_month

),

rolling as (

    select
        *,
        sum(total_spend) over (
            order by metric_month rows between 2 preceding and current row
        ) as total_spend_t3m,
        sum(new_customers) over (
            order by metric_month rows between 2 preceding and current row
        ) as new_customers_t3m
    from monthly

),

final as (

    select
        *,
        {{ safe_divide('total_spend', 'new_customers') }} as cac,
        {{ safe_divide('total_spend_t3m', 'new_customers_t3m') }} as cac_t3m
    from rolling

)

select
    *,
    {{ safe_divide('avg_ltv_new_customers', 'cac') }} as ltv_to_cac
from final
