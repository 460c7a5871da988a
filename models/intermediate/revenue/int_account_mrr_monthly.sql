{{ config(materialized='table') }}

-- MRR of an account in a month = its subscriptions active at the last instant of the month
-- (started_at <= instant < ended_at, ended_at NULL = open), quantity × unit_amount (÷ 12 for
-- annual plans), converted at the month end's rate. For the as-of month the snapshot is the end
-- of the as-of date (what lies after it is not known yet).
-- canceled_at is when the cancellation was requested: the subscription stays active and billed
-- until ended_at, so canceled_at never ends MRR (it only marks a pending cancellation).

with subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}
    where
        account_id is not null
        and started_at < {{ as_of_end() }}

),

months as (

    select * from {{ ref('int_months') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

rates as (

    select * from {{ ref('int_currency_rates') }}

),

snapshots as (

    -- the instant a month's MRR is read at (exclusive bound) and the date of its rate
    select
        metric_month,
        case
            when month_end_exclusive > {{ as_of_end() }} then {{ as_of_end() }}
            else month_end_exclusive
        end as snapshot_at,
        case
            when cast({{ dbt.dateadd('day', -1, 'month_end_exclusive') }} as date) > {{ as_of_date() }}
                then {{ as_of_date() }}
            else cast({{ dbt.dateadd('day', -1, 'month_end_exclusive') }} as date)
        end as rate_date
    from months

),

account_starts as (

    select
        account_id,
        {{ to_month('min(started_at)') }} as first_subscription_month
    from subscriptions
    group by account_id

),

account_months as (

    select
        account_starts.account_id,
        snapshots.metric_month,
        snapshots.snapshot_at,
        snapshots.rate_date
    from account_starts
    inner join snapshots
        on account_starts.first_subscription_month <= snapshots.metric_month

),

active_subscriptions as (

    select
        account_months.account_id,
        account_months.metric_month,
        subscriptions.subscription_id,
        subscriptions.canceled_at is not null
        and subscriptions.canceled_at < account_months.snapshot_at as is_cancellation_pending,
        -- in double (Spark would divide the decimal amount with a rounded scale, 6 decimals)
        cast(subscriptions.quantity * subscriptions.unit_amount as double)
        / case lower(subscriptions.billing_interval)
            when 'month' then 1
            when 'year' then 12
        end
        * rates.to_reporting_rate as subscription_mrr
    from account_months
    inner join subscriptions
        on
            account_months.account_id = subscriptions.account_id
            and account_months.snapshot_at > subscriptions.started_at
            and (
                subscriptions.ended_at is null
                or account_months.snapshot_at <= subscriptions.ended_at
            )
    left join rates
        on
            subscriptions.currency_code = rates.currency_code
            and account_months.rate_date >= rates.valid_from
            and account_months.rate_date < rates.valid_to

),

account_mrr as (

    select
        account_id,
        metric_month,
        count(*) as active_subscriptions,
        sum(subscription_mrr) as mrr,
        sum(case when subscription_mrr is null then 1 else 0 end) as unconverted_subscriptions,
        max(case when is_cancellation_pending then 1 else 0 end) = 1 as has_pending_cancellation
    from active_subscriptions
    group by account_id, metric_month

),

final as (

    select
        account_months.account_id,
        account_months.metric_month,
        coalesce(accounts.segment, 'non-ABM') as segment,
        accounts.abm_tier,
        round(coalesce(account_mrr.mrr, 0), 6) as mrr,
        round(coalesce(account_mrr.mrr, 0), 6) > 0 as is_customer,
        coalesce(account_mrr.active_subscriptions, 0) as active_subscriptions,
        coalesce(account_mrr.unconverted_subscriptions, 0) > 0 as has_unconverted_mrr,
        coalesce(account_mrr.has_pending_cancellation, false) as has_pending_cancellation,
        accounts.account_id is null as has_missing_account,
        account_months.snapshot_at,
        account_months.rate_date
    from account_months
    left join account_mrr
        on
            account_months.account_id = account_mrr.account_id
            and account_months.metric_month = account_mrr.metric_month
    left join accounts
        on account_months.account_id = accounts.account_id

)

select * from final
