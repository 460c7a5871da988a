-- Account state at each month end (the as-of date for the as-of month), with the month's own
-- engagement. A range join of the change-day states with the month grid: each state row
-- covers the month ends inside its validity, so rows = account-months (no day grid).

with states as (

    select * from {{ ref('fct_account_daily') }}

),

months as (

    select
        metric_month,
        case
            when next_month > {{ as_of_date() }} then {{ as_of_date() }}
            else cast({{ dbt.dateadd('day', -1, 'next_month') }} as date)
        end as month_end_date
    from {{ ref('int_months') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

monthly_signals as (

    select
        account_id,
        activity_month,
        count(*) as engagement_signals,
        sum(engagement_points) as engagement_points
    from {{ ref('fct_account_engagement_events') }}
    where is_engagement
    group by account_id, activity_month

),

month_end_states as (

    select
        months.metric_month,
        months.month_end_date,
        states.*
    from states
    inner join months
        on
            states.state_date <= months.month_end_date
            and states.valid_until_date > months.month_end_date

),

final as (

    select
        month_end_states.account_id,
        month_end_states.metric_month,
        month_end_states.month_end_date,
        month_end_states.segment,
        month_end_states.abm_tier,
        accounts.is_target_account,
        month_end_states.icp_fit_score,
        month_end_states.account_engagement_score,
        month_end_states.engaged_contacts,
        month_end_states.known_persons,
        month_end_states.reach_within_account,
        month_end_states.is_mqa,
        month_end_states.mqa_at,
        coalesce({{ to_month('month_end_states.mqa_at') }} = month_end_states.metric_month, false)
            as is_new_mqa,
        month_end_states.account_stage,
        coalesce(monthly_signals.engagement_signals, 0) as engagement_signals_in_month,
        coalesce(monthly_signals.engagement_points, 0) as engagement_points_in_month,
        monthly_signals.engagement_signals is not null as is_engaged_in_month
    from month_end_states
    inner join accounts
        on month_end_states.account_id = accounts.account_id
    left join monthly_signals
        on
            month_end_states.account_id = monthly_signals.account_id
            and month_end_states.metric_month = monthly_signals.activity_month

)

select * from final
