-- Customer and revenue retention (catalog section G), one row per month and segment.
-- Monthly: start = the previous month's end, end = this month's end (fct_mrr_movements).
-- Trailing 12 months (t12m): the cohort is the accounts with MRR > 0 at the end of the month
-- 12 months earlier (the start of the 12-month window ending with this month); their MRR then
-- is compared with their MRR at this month's end, account by account. Accounts that churn and
-- come back inside the window count as retained; accounts won inside the window are outside it.
-- Segment = the account's current ABM segment; 'all' rows are computed from the accounts.

with segments as (

    {{ reporting_segments() }}

),

grid as (

    select * from {{ ref('int_month_segments') }}

),

movements as (

    select * from {{ ref('fct_mrr_movements') }}

),

first_month as (

    select min(metric_month) as first_metric_month
    from grid

),

movements_by_segment as (

    select
        movements.*,
        segments.segment as report_segment
    from movements
    inner join segments
        on {{ counts_in_group('movements.segment', 'segments.segment') }}

),

monthly as (

    select
        metric_month,
        report_segment as segment,
        sum(case when is_customer_at_start then 1 else 0 end) as customers_start,
        sum(case when is_customer_at_end then 1 else 0 end) as customers_end,
        sum(case when is_customer_at_start and is_customer_at_end then 1 else 0 end)
            as customers_retained,
        sum(case when movement_class = 'new' then 1 else 0 end) as new_customers,
        sum(case when movement_class = 'reactivation' then 1 else 0 end) as reactivated_customers,
        sum(case when movement_class = 'churn' then 1 else 0 end) as churned_customers,
        sum(starting_mrr) as starting_mrr,
        sum(ending_mrr) as ending_mrr,
        sum(new_mrr) as new_mrr,
        sum(expansion_mrr) as expansion_mrr,
        sum(contraction_mrr) as contraction_mrr,
        sum(churned_mrr) as churned_mrr,
        sum(reactivation_mrr) as reactivation_mrr
    from movements_by_segment
    group by metric_month, report_segment

),

window_pairs as (

    -- each account with MRR at a window's start, with its MRR at the window's end
    select
        cast({{ dbt.dateadd('month', 12, 'window_start.metric_month') }} as date) as metric_month,
        window_start.report_segment as segment,
        window_start.ending_mrr as start_mrr,
        coalesce(window_end.ending_mrr, 0) as end_mrr
    from movements_by_segment as window_start
    left join movements as window_end
        on
            window_start.account_id = window_end.account_id
            and window_end.metric_month
            = cast({{ dbt.dateadd('month', 12, 'window_start.metric_month') }} as date)
    where window_start.ending_mrr > 0

),

trailing_windows as (

    select
        metric_month,
        segment,
        count(*) as customers_start_t12m,
        sum(case when end_mrr > 0 then 1 else 0 end) as customers_retained_t12m,
        sum(start_mrr) as starting_mrr_t12m,
        sum(case when end_mrr > start_mrr then end_mrr - start_mrr else 0 end) as expansion_mrr_t12m,
        sum(case when end_mrr > 0 and end_mrr < start_mrr then start_mrr - end_mrr else 0 end)
            as contraction_mrr_t12m,
        sum(case when end_mrr = 0 then start_mrr else 0 end) as churned_mrr_t12m
    from window_pairs
    group by metric_month, segment

),

joined as (

    select
        grid.metric_month,
        grid.segment,
        coalesce(monthly.customers_start, 0) as customers_start,
        coalesce(monthly.customers_end, 0) as customers_end,
        coalesce(monthly.new_customers, 0) as new_customers,
        coalesce(monthly.reactivated_customers, 0) as reactivated_customers,
        coalesce(monthly.churned_customers, 0) as churned_customers,
        coalesce(monthly.customers_retained, 0) as customers_retained,
        coalesce(monthly.starting_mrr, 0) as starting_mrr,
        coalesce(monthly.ending_mrr, 0) as ending_mrr,
        coalesce(monthly.new_mrr, 0) as new_mrr,
        coalesce(monthly.expansion_mrr, 0) as expansion_mrr,
        coalesce(monthly.contraction_mrr, 0) as contraction_mrr,
        coalesce(monthly.churned_mrr, 0) as churned_mrr,
        coalesce(monthly.reactivation_mrr, 0) as reactivation_mrr,
        -- the trailing window needs a month 12 months earlier in the warehouse
        {{ dbt.dateadd('month', -12, 'grid.metric_month') }} >= first_month.first_metric_month
            as has_trailing_window,
        coalesce(trailing_windows.customers_start_t12m, 0) as customers_start_t12m,
        coalesce(trailing_windows.customers_retained_t12m, 0) as customers_retained_t12m,
        coalesce(trailing_windows.starting_mrr_t12m, 0) as starting_mrr_t12m,
        coalesce(trailing_windows.expansion_mrr_t12m, 0) as expansion_mrr_t12m,
        coalesce(trailing_windows.contraction_mrr_t12m, 0) as contraction_mrr_t12m,
        coalesce(trailing_windows.churned_mrr_t12m, 0) as churned_mrr_t12m
    from grid
    cross join first_month
    left join monthly
        on grid.metric_month = monthly.metric_month and grid.segment = monthly.segment
    left join trailing_windows
        on grid.metric_month = trailing_windows.metric_month and grid.segment = trailing_windows.segment

),

with_numerators as (

    select
        metric_month,
        segment,
        customers_start,
        customers_end,
        new_customers,
        reactivated_customers,
        churned_customers,
        customers_retained,
        starting_mrr,
        ending_mrr,
        new_mrr,
        expansion_mrr,
        contraction_mrr,
        churned_mrr,
        reactivation_mrr,
        starting_mrr - contraction_mrr - churned_mrr as grr_numerator,
        starting_mrr + expansion_mrr - contraction_mrr - churned_mrr as nrr_numerator,
        case when has_trailing_window then customers_start_t12m end as customers_start_t12m,
        case when has_trailing_window then customers_retained_t12m end as customers_retained_t12m,
        case when has_trailing_window then starting_mrr_t12m end as starting_mrr_t12m,
        case when has_trailing_window then expansion_mrr_t12m end as expansion_mrr_t12m,
        case when has_trailing_window then contraction_mrr_t12m end as contraction_mrr_t12m,
        case when has_trailing_window then churned_mrr_t12m end as churned_mrr_t12m,
        case
            when has_trailing_window
                then starting_mrr_t12m - contraction_mrr_t12m - churned_mrr_t12m
        end as grr_numerator_t12m,
        case
            when has_trailing_window
                then starting_mrr_t12m + expansion_mrr_t12m - contraction_mrr_t12m - churned_mrr_t12m
        end as nrr_numerator_t12m
    from joined

),

rates as (

    select
        *,
        {{ safe_divide('customers_retained', 'customers_start') }} as customer_retention_rate,
        {{ safe_divide('grr_numerator', 'starting_mrr') }} as grr_uncapped,
        {{ safe_divide('nrr_numerator', 'starting_mrr') }} as net_revenue_retention,
        {{ safe_divide('customers_retained_t12m', 'customers_start_t12m') }}
            as customer_retention_rate_t12m,
        {{ safe_divide('grr_numerator_t12m', 'starting_mrr_t12m') }} as grr_uncapped_t12m,
        {{ safe_divide('nrr_numerator_t12m', 'starting_mrr_t12m') }} as net_revenue_retention_t12m
    from with_numerators

),

final as (

    -- GRR is capped at 1 (a CASE: least() would turn a NULL rate into 1 on some engines)
    select
        metric_month,
        segment,
        customers_start,
        customers_end,
        new_customers,
        reactivated_customers,
        churned_customers,
        customers_retained,
        customer_retention_rate,
        starting_mrr,
        ending_mrr,
        new_mrr,
        expansion_mrr,
        contraction_mrr,
        churned_mrr,
        reactivation_mrr,
        grr_numerator,
        case when grr_uncapped > 1 then 1.0 else grr_uncapped end as gross_revenue_retention,
        nrr_numerator,
        net_revenue_retention,
        customers_start_t12m,
        customers_retained_t12m,
        customer_retention_rate_t12m,
        starting_mrr_t12m,
        expansion_mrr_t12m,
        contraction_mrr_t12m,
        churned_mrr_t12m,
        grr_numerator_t12m,
        case when grr_uncapped_t12m > 1 then 1.0 else grr_uncapped_t12m end
            as gross_revenue_retention_t12m,
        nrr_numerator_t12m,
        net_revenue_retention_t12m
    from rates

)

select * from final
