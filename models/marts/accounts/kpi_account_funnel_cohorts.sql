-- Account funnel conversion and velocity per cohort (catalog D, as section C does for
-- persons): accounts grouped by the month they entered a stage; the share that reached the
-- next stage ever and within var conversion_window_days, and the days it took. Stage dates are
-- milestones (fct_account_daily), so a later stage is never before an earlier one. One pass
-- over accounts.

with segments as (

    {{ reporting_segments() }}

),

transitions as (

    select
        'target_to_engaged' as transition,
        1 as transition_order
    union all
    select
        'engaged_to_mqa' as transition,
        2 as transition_order
    union all
    select
        'mqa_to_opportunity' as transition,
        3 as transition_order
    union all
    select
        'opportunity_to_customer' as transition,
        4 as transition_order
    union all
    select
        'customer_to_churned' as transition,
        5 as transition_order

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

entries as (

    select
        account_id,
        segment,
        'target_to_engaged' as transition,
        target_stage_date as entered_date,
        engaged_stage_date as next_date
    from accounts
    where target_stage_date is not null

    union all

    select
        account_id,
        segment,
        'engaged_to_mqa' as transition,
        engaged_stage_date as entered_date,
        mqa_stage_date as next_date
    from accounts
    where engaged_stage_date is not null

    union all

    select
        account_id,
        segment,
        'mqa_to_opportunity' as transition,
        mqa_stage_date as entered_date,
        opportunity_stage_date as next_date
    from accounts
    where mqa_stage_date is not null

    union all

    select
        account_id,
        segment,
        'opportunity_to_customer' as transition,
        opportunity_stage_date as entered_date,
        customer_stage_date as next_date
    from accounts
    where opportunity_stage_date is not null

    union all

    select
        account_id,
        segment,
        'customer_to_churned' as transition,
        customer_stage_date as entered_date,
        churned_stage_date as next_date
    from accounts
    where customer_stage_date is not null

),

measured as (

    select
        entries.*,
        {{ to_month('entries.entered_date') }} as cohort_month,
        entries.next_date is not null as converted_ever,
        coalesce(
            entries.next_date
            <= {{ dbt.dateadd('day', var('conversion_window_days'), 'entries.entered_date') }},
            false
        ) as converted_within_window,
        {{ dbt.datediff('entries.entered_date', 'entries.next_date', 'day') }}
            as days_to_next_stage
    from entries

),

aggregated as (

    select
        measured.cohort_month,
        segments.segment,
        measured.transition,
        count(*) as cohort_size,
        sum(case when measured.converted_ever then 1 else 0 end) as converted_ever,
        sum(case when measured.converted_within_window then 1 else 0 end)
            as converted_within_window,
        avg(measured.days_to_next_stage) as stage_velocity_days_mean,
        {{ median('measured.days_to_next_stage') }} as stage_velocity_days_median
    from measured
    inner join segments
        on measured.segment = segments.segment or segments.segment = 'all'
    group by measured.cohort_month, segments.segment, measured.transition

),

grid as (

    select
        month_segments.metric_month as cohort_month,
        month_segments.segment,
        transitions.transition,
        transitions.transition_order
    from {{ ref('int_month_segments') }} as month_segments
    cross join transitions

),

final as (

    select
        grid.cohort_month,
        grid.segment,
        grid.transition,
        grid.transition_order,
        coalesce(aggregated.cohort_size, 0) as cohort_size,
        coalesce(aggregated.converted_ever, 0) as converted_ever,
        coalesce(aggregated.converted_within_window, 0) as converted_within_window,
        {{ safe_divide('aggregated.converted_ever', 'aggregated.cohort_size') }}
            as conversion_rate_ever,
        {{ safe_divide('aggregated.converted_within_window', 'aggregated.cohort_size') }}
            as conversion_rate_within_window,
        aggregated.stage_velocity_days_mean,
        aggregated.stage_velocity_days_median
    from grid
    left join aggregated
        on
            grid.cohort_month = aggregated.cohort_month
            and grid.segment = aggregated.segment
            and grid.transition = aggregated.transition

)

select * from final
