-- MRR movements per account-month, from the month-end MRR of int_account_mrr_monthly.
-- A movement is the account's NET change over the month: an upgrade of one subscription and a
-- downgrade of another in the same month net out into one expansion or one contraction.
-- Classes, with starting = the previous month's ending MRR (0 before the account's first month):
--   new           starting = 0, ending > 0, the account never had MRR before
--   reactivation  starting = 0, ending > 0, the account had MRR in an earlier month
--   expansion     starting > 0, ending > starting
--   contraction   0 < ending < starting
--   churn         starting > 0, ending = 0
--   unchanged     starting = ending > 0;  inactive  starting = ending = 0

with account_mrr as (

    select * from {{ ref('int_account_mrr_monthly') }}

),

with_previous as (

    select
        *,
        coalesce(
            lag(mrr) over (partition by account_id order by metric_month), 0
        ) as previous_mrr,
        coalesce(
            max(case when is_customer then 1 else 0 end) over (
                partition by account_id
                order by metric_month
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) = 1 as had_mrr_before,
        min(case when is_customer then metric_month end) over (partition by account_id)
            as first_paid_month
    from account_mrr

),

classified as (

    select
        *,
        case
            when previous_mrr = 0 and mrr > 0 and not had_mrr_before then 'new'
            when previous_mrr = 0 and mrr > 0 then 'reactivation'
            when previous_mrr > 0 and mrr = 0 then 'churn'
            when previous_mrr > 0 and mrr > previous_mrr then 'expansion'
            when previous_mrr > 0 and mrr < previous_mrr then 'contraction'
            when previous_mrr > 0 then 'unchanged'
            else 'inactive'
        end as movement_class
    from with_previous

),

final as (

    select
        -- keys
        account_id,
        metric_month,
        segment,
        abm_tier,

        -- month-start and month-end MRR (reporting currency)
        previous_mrr as starting_mrr,
        mrr as ending_mrr,
        mrr - previous_mrr as net_change_mrr,

        -- movement
        movement_class,
        case when movement_class = 'new' then mrr else 0 end as new_mrr,
        case when movement_class = 'expansion' then mrr - previous_mrr else 0 end as expansion_mrr,
        case when movement_class = 'contraction' then previous_mrr - mrr else 0 end
            as contraction_mrr,
        case when movement_class = 'churn' then previous_mrr else 0 end as churned_mrr,
        case when movement_class = 'reactivation' then mrr else 0 end as reactivation_mrr,

        -- customer status
        previous_mrr > 0 as is_customer_at_start,
        mrr > 0 as is_customer_at_end,
        first_paid_month,

        -- details and flags
        active_subscriptions,
        has_pending_cancellation,
        has_unconverted_mrr,
        has_missing_account
    from classified

)

select * from final
