{{ config(materialized='table') }}

-- Survival data of the sBG model (the Python LTV marts read this table): one row per paid
-- subscription lifetime. A plan or seat change closes a subscription and opens the next one
-- at the same instant, so a lifetime chains an account's paid subscriptions of one billing
-- interval, each starting at most var `subscription_continuation_days` after the latest end
-- so far. Periods are the billing interval; renewals are counted from the lifetime's start.

with subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

rates as (

    select * from {{ ref('int_currency_rates') }}

),

-- Paid = a positive price (quantity × unit_amount > 0) on a known interval, started by the
-- as-of date, not ending before it starts. An end after the as-of date is not known yet.
paid as (

    select
        subscription_id,
        account_id,
        billing_interval,
        quantity,
        unit_amount,
        currency_code,
        started_at,
        case when ended_at < {{ as_of_end() }} then ended_at end as ended_at
    from subscriptions
    where
        quantity > 0
        and unit_amount > 0
        and billing_interval in ('month', 'year')
        and started_at < {{ as_of_end() }}
        and (ended_at is null or ended_at > started_at)

),

-- Latest end among the earlier subscriptions of the account and interval (open = far future).
ordered as (

    select
        paid.*,
        max(coalesce(paid.ended_at, cast('2999-12-31' as timestamp))) over (
            partition by paid.account_id, paid.billing_interval
            order by paid.started_at, paid.subscription_id
            rows between unbounded preceding and 1 preceding
        ) as previous_max_end_at
    from paid

),

numbered as (

    select
        ordered.*,
        sum(
            case
                when ordered.previous_max_end_at is null then 1
                when
                    ordered.started_at
                    > {{ dbt.dateadd('day', var('subscription_continuation_days'), 'previous_max_end_at') }}
                    then 1
                else 0
            end
        ) over (
            partition by ordered.account_id, ordered.billing_interval
            order by ordered.started_at, ordered.subscription_id
            rows between unbounded preceding and current row
        ) as lifetime_number
    from ordered

),

ranked as (

    select
        numbered.*,
        row_number() over (
            partition by numbered.account_id, numbered.billing_interval, numbered.lifetime_number
            order by numbered.started_at, numbered.subscription_id
        ) as position_from_first,
        row_number() over (
            partition by numbered.account_id, numbered.billing_interval, numbered.lifetime_number
            order by numbered.started_at desc, numbered.subscription_id desc
        ) as position_from_last
    from numbered

),

lifetimes as (

    select
        account_id,
        billing_interval,
        lifetime_number,
        min(started_at) as started_at,
        max(coalesce(ended_at, cast('2999-12-31' as timestamp))) as max_end_at,
        count(*) as n_subscriptions,
        max(case when position_from_first = 1 then subscription_id end) as first_subscription_id,
        max(case when position_from_last = 1 then subscription_id end) as last_subscription_id
    from ranked
    group by account_id, billing_interval, lifetime_number

),

ended as (

    select
        lifetimes.*,
        case when lifetimes.max_end_at < {{ as_of_end() }} then lifetimes.max_end_at end as ended_at
    from lifetimes

),

-- An ended lifetime whose account still has a paid subscription of the other interval at its
-- end (within the continuation days) switched interval: the customer did not churn.
switched as (

    select distinct ended.first_subscription_id
    from ended
    inner join paid
        on
            ended.account_id = paid.account_id
            and ended.billing_interval <> paid.billing_interval
            and paid.started_at
            <= {{ dbt.dateadd('day', var('subscription_continuation_days'), 'ended.ended_at') }}
            and coalesce(paid.ended_at, cast('2999-12-31' as timestamp)) > ended.ended_at
    where ended.ended_at is not null

),

measured as (

    select
        ended.*,
        case
            when ended.ended_at is null then 'active'
            when switched.first_subscription_id is not null then 'switched_interval'
            else 'churned'
        end as end_state,
        {{ dbt.datediff('ended.started_at', 'coalesce(ended.ended_at, ' ~ as_of_end() ~ ')', 'day') }}
            as tenure_days,
        case when ended.billing_interval = 'month' then 365.2425 / 12 else 365.2425 end as period_days,
        -- Money of the current (last) subscription at the rate of the lifetime's last day.
        case
            when ended.ended_at is null then {{ as_of_date() }}
            else cast(ended.ended_at as date)
        end as conversion_date
    from ended
    left join switched
        on ended.first_subscription_id = switched.first_subscription_id

),

last_subscription as (

    select
        ranked.account_id,
        ranked.billing_interval,
        ranked.lifetime_number,
        ranked.quantity,
        ranked.unit_amount,
        ranked.currency_code
    from ranked
    where ranked.position_from_last = 1

),

final as (

    select
        measured.first_subscription_id as lifetime_id,
        measured.account_id,
        coalesce(accounts.segment, 'non-ABM') as segment,
        measured.billing_interval,
        measured.first_subscription_id,
        measured.last_subscription_id,
        measured.n_subscriptions,
        measured.started_at,
        measured.ended_at,
        measured.end_state,
        measured.end_state = 'churned' as is_churned,
        measured.end_state <> 'churned' as is_censored,
        measured.tenure_days,
        -- Renewals survived: a churned lifetime paid round(tenure / period) >= 1 periods and
        -- made one renewal fewer; an active one has passed floor(tenure / period) renewal
        -- dates; a switch of interval happened at a renewal date, which counts as survived.
        cast(case
            when measured.end_state = 'churned'
                then greatest(round(measured.tenure_days / measured.period_days), 1) - 1
            when measured.end_state = 'switched_interval'
                then round(measured.tenure_days / measured.period_days)
            else floor(measured.tenure_days / measured.period_days)
        end as integer) as renewals,
        last_subscription.quantity,
        last_subscription.unit_amount,
        last_subscription.currency_code,
        last_subscription.quantity * last_subscription.unit_amount as period_amount,
        measured.conversion_date,
        last_subscription.quantity * last_subscription.unit_amount * rates.to_reporting_rate
            as period_amount_reporting
    from measured
    inner join last_subscription
        on
            measured.account_id = last_subscription.account_id
            and measured.billing_interval = last_subscription.billing_interval
            and measured.lifetime_number = last_subscription.lifetime_number
    left join accounts
        on measured.account_id = accounts.account_id
    left join rates
        on
            last_subscription.currency_code = rates.currency_code
            and measured.conversion_date >= rates.valid_from
            and measured.conversion_date < rates.valid_to

)

select * from final
