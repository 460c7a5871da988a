-- The MRR bridge: every account-month's movements explain its change, and its starting MRR
-- is the previous month's ending MRR.

with movements as (

    select * from {{ ref('fct_mrr_movements') }}

),

checked as (

    select
        account_id,
        metric_month,
        starting_mrr,
        ending_mrr,
        lag(ending_mrr) over (partition by account_id order by metric_month) as previous_ending_mrr,
        starting_mrr + new_mrr + expansion_mrr + reactivation_mrr - contraction_mrr - churned_mrr
            as bridged_mrr
    from movements

)

select * from checked
where
    abs(bridged_mrr - ending_mrr) > 0.000001
    or abs(coalesce(previous_ending_mrr, 0) - starting_mrr) > 0.000001
