-- Account state over time (catalog D), materialised only on the days it changes: one row per
-- account and change day, valid until the next change (valid_until_date, exclusive).
--
-- Trailing window: an engagement on day d counts for days d .. d + var engagement_window_days
-- (an event exactly 90 days back counts, 91 days back does not). Instead of crossing accounts
-- with days, each engaged day adds its points on d and removes them on d + window + 1; each
-- person's engaged days are merged into islands (a gap of more than window + 1 days starts a
-- new one) that add 1 engaged person on their first day and remove it window + 1 days after
-- their last; a person becomes known on the earlier of creation and first engagement. Running
-- sums of these deltas give the state on every change day.
--
-- Cost grows with signals (one aggregate and two sorts over account-days with engagement),
-- not with accounts × days: rows ≈ accounts + 2 × engaged account-days + 2 × person islands +
-- persons + 3 milestone days per account, at most accounts × days in the degenerate case of
-- an account that changes every day.

{%- set window_days = var('engagement_window_days') %}
{%- set expiry_days = window_days + 1 %}

with accounts as (

    select * from {{ ref('int_accounts') }}

),

fit as (

    select * from {{ ref('int_account_icp_fit') }}

),

signals as (

    select * from {{ ref('fct_account_engagement_events') }}
    where is_engagement

),

persons as (

    select * from {{ ref('int_persons') }}
    where account_id is not null

),

opportunities as (

    select * from {{ ref('int_opportunities') }}
    where account_id is not null and created_at < {{ as_of_end() }}

),

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}
    where account_id is not null and started_at < {{ as_of_end() }}

),

daily_points as (

    select
        account_id,
        activity_date,
        sum(engagement_points) as engagement_points
    from signals
    group by account_id, activity_date

),

person_days as (

    select distinct
        account_id,
        person_id,
        activity_date
    from signals
    where person_id is not null and is_account_person

),

-- A person's engaged days with the previous and the next one (one window, one sort): an island
-- starts on a day whose previous day is more than window + 1 days back (or none) and ends on one
-- whose next day is more than window + 1 days ahead (or none).
person_edges as (

    select
        account_id,
        person_id,
        activity_date,
        lag(activity_date) over person_dates as previous_date,
        lead(activity_date) over person_dates as next_date
    from person_days
    window person_dates as (partition by account_id, person_id order by activity_date)

),

first_person_engagement as (

    select
        account_id,
        person_id,
        activity_date as first_activity_date
    from person_edges
    where previous_date is null

),

known_persons as (

    select
        persons.account_id,
        persons.person_id,
        {{ earliest('cast(persons.created_at as date)', 'first_person_engagement.first_activity_date') }}
            as known_from_date
    from persons
    left join first_person_engagement
        on
            persons.person_id = first_person_engagement.person_id
            and persons.account_id = first_person_engagement.account_id

),

opportunity_milestones as (

    select
        account_id,
        min(cast(created_at as date)) as first_opportunity_date,
        min(case when is_won and close_date <= {{ as_of_date() }} then close_date end)
            as first_won_date
    from opportunities
    group by account_id

),

subscription_status as (

    select
        account_id,
        max(
            case
                when ended_at is null or ended_at >= {{ as_of_end() }} then 1 else 0
            end
        ) as has_active_subscription,
        max(cast(ended_at as date)) as last_ended_date
    from subscriptions
    group by account_id

),

milestones as (

    select
        accounts.account_id,
        cast(accounts.created_at as date) as created_date,
        opportunity_milestones.first_opportunity_date,
        opportunity_milestones.first_won_date,
        -- churned: a customer with no subscription active at the as-of instant, since its last
        -- subscription ended (never before it became a customer)
        case
            when
                opportunity_milestones.first_won_date is not null
                and subscription_status.has_active_subscription = 0
                then
                    {{ latest(
                        'subscription_status.last_ended_date',
                        'opportunity_milestones.first_won_date'
                    ) }}
        end as churned_date
    from accounts
    left join opportunity_milestones
        on accounts.account_id = opportunity_milestones.account_id
    left join subscription_status
        on accounts.account_id = subscription_status.account_id

),

deltas as (

    select
        account_id,
        activity_date as state_date,
        engagement_points as score_delta,
        0 as engaged_delta,
        0 as known_delta
    from daily_points

    union all

    select
        account_id,
        cast({{ dbt.dateadd('day', expiry_days, 'activity_date') }} as date) as state_date,
        -engagement_points as score_delta,
        0 as engaged_delta,
        0 as known_delta
    from daily_points

    union all

    select
        account_id,
        activity_date as state_date,
        0 as score_delta,
        1 as engaged_delta,
        0 as known_delta
    from person_edges
    where
        previous_date is null
        or {{ dbt.datediff(
            'previous_date', 'activity_date', 'day') }}
        > {{ expiry_days }}

    union all

    select
        account_id,
        cast({{ dbt.dateadd('day', expiry_days, 'activity_date') }} as date) as state_date,
        0 as score_delta,
        -1 as engaged_delta,
        0 as known_delta
    from person_edges
    where
        next_date is null
        or {{ dbt.datediff(
            'activity_date', 'next_date', 'day') }}
        > {{ expiry_days }}

    union all

    select
        account_id,
        known_from_date as state_date,
        0 as score_delta,
        0 as engaged_delta,
        1 as known_delta
    from known_persons

    union all

    select
        account_id,
        created_date as state_date,
        0 as score_delta,
        0 as engaged_delta,
        0 as known_delta
    from milestones
    where created_date is not null

    union all

    select
        account_id,
        first_opportunity_date as state_date,
        0 as score_delta,
        0 as engaged_delta,
        0 as known_delta
    from milestones
    where first_opportunity_date is not null

    union all

    select
        account_id,
        first_won_date as state_date,
        0 as score_delta,
        0 as engaged_delta,
        0 as known_delta
    from milestones
    where first_won_date is not null

    union all

    select
        account_id,
        churned_date as state_date,
        0 as score_delta,
        0 as engaged_delta,
        0 as known_delta
    from milestones
    where churned_date is not null

),

changes as (

    select
        account_id,
        state_date,
        sum(score_delta) as score_delta,
        sum(engaged_delta) as engaged_delta,
        sum(known_delta) as known_delta
    from deltas
    where state_date <= {{ as_of_date() }}
    group by account_id, state_date

),

running as (

    select
        account_id,
        state_date,
        lead(state_date) over (partition by account_id order by state_date) as next_state_date,
        min(state_date) over (partition by account_id) as first_state_date,
        round(
            sum(score_delta) over (
                partition by account_id
                order by state_date
                rows between unbounded preceding and current row
            ),
            6
        ) as engagement_score,
        sum(engaged_delta) over (
            partition by account_id
            order by state_date
            rows between unbounded preceding and current row
        ) as engaged_persons,
        sum(known_delta) over (
            partition by account_id
            order by state_date
            rows between unbounded preceding and current row
        ) as known_persons
    from changes

),

flagged as (

    select
        running.*,
        coalesce(fit.icp_fit_score, 0) as icp_fit_score,
        coalesce(fit.icp_fit_score, 0) >= {{ var('mqa_fit_threshold') }}
        and running.engagement_score >= {{ var('mqa_engagement_threshold') }}
        and running.engaged_persons >= {{ var('mqa_min_engaged_persons') }} as is_mqa
    from running
    left join fit
        on running.account_id = fit.account_id

),

first_mqa as (

    select
        account_id,
        min(case when is_mqa then state_date end) as mqa_date,
        min(case when engagement_score > 0 then state_date end) as first_engaged_date
    from flagged
    group by account_id

),

-- Stage dates are milestones: the first day the account was at the stage or a later one, so
-- they are in order by construction (an opportunity without a prior MQA enters MQA with it).
stage_dates as (

    select
        milestones.account_id,
        milestones.churned_date as churned_stage_date,
        milestones.first_won_date as customer_stage_date,
        {{ earliest('milestones.first_opportunity_date', 'milestones.first_won_date') }}
            as opportunity_stage_date,
        {{ earliest(
            'first_mqa.mqa_date',
            earliest('milestones.first_opportunity_date', 'milestones.first_won_date')
        ) }} as mqa_stage_date,
        {{ earliest(
            'first_mqa.first_engaged_date',
            earliest(
                'first_mqa.mqa_date',
                earliest('milestones.first_opportunity_date', 'milestones.first_won_date')
            )
        ) }} as engaged_stage_date,
        first_mqa.mqa_date,
        first_mqa.first_engaged_date
    from milestones
    left join first_mqa
        on milestones.account_id = first_mqa.account_id

),

final as (

    select
        flagged.account_id,
        flagged.state_date,
        coalesce(
            flagged.next_state_date,
            cast({{ dbt.dateadd('day', 1, as_of_date()) }} as date)
        ) as valid_until_date,
        flagged.next_state_date is null as is_current,
        accounts.segment,
        accounts.abm_tier,
        flagged.icp_fit_score,
        flagged.engagement_score as account_engagement_score,
        flagged.engaged_persons as engaged_contacts,
        flagged.known_persons,
        {{ safe_divide('flagged.engaged_persons', 'flagged.known_persons') }}
            as reach_within_account,
        flagged.is_mqa,
        case when stage_dates.mqa_date <= flagged.state_date then stage_dates.mqa_date end
            as mqa_at,
        case
            when stage_dates.churned_stage_date <= flagged.state_date then 'churned'
            when stage_dates.customer_stage_date <= flagged.state_date then 'customer'
            when stage_dates.opportunity_stage_date <= flagged.state_date then 'opportunity'
            when stage_dates.mqa_stage_date <= flagged.state_date then 'mqa'
            when stage_dates.engaged_stage_date <= flagged.state_date then 'engaged'
            when accounts.is_target_account then 'target'
            else 'none'
        end as account_stage,
        case when accounts.is_target_account then flagged.first_state_date end
            as target_stage_date,
        case
            when stage_dates.engaged_stage_date <= flagged.state_date
                then stage_dates.engaged_stage_date
        end as engaged_stage_date,
        case
            when stage_dates.mqa_stage_date <= flagged.state_date
                then stage_dates.mqa_stage_date
        end as mqa_stage_date,
        case
            when stage_dates.opportunity_stage_date <= flagged.state_date
                then stage_dates.opportunity_stage_date
        end as opportunity_stage_date,
        case
            when stage_dates.customer_stage_date <= flagged.state_date
                then stage_dates.customer_stage_date
        end as customer_stage_date,
        case
            when stage_dates.churned_stage_date <= flagged.state_date
                then stage_dates.churned_stage_date
        end as churned_stage_date
    from flagged
    inner join accounts
        on flagged.account_id = accounts.account_id
    inner join stage_dates
        on flagged.account_id = stage_dates.account_id

)

select * from final
