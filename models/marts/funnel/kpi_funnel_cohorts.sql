-- Stage conversion and velocity per cohort (catalog section C): persons grouped by the month
-- they entered a stage; the share that reached the next stage ever and within
-- var conversion_window_days, and the days it took. One pass over persons (cost ~ persons).

with segments as (

    {{ reporting_segments() }}

),

transitions as (

    select
        'new_to_mql' as transition,
        1 as transition_order
    union all
    select
        'mql_to_sql' as transition,
        2 as transition_order
    union all
    select
        'sql_to_opportunity' as transition,
        3 as transition_order
    union all
    select
        'opportunity_to_won' as transition,
        4 as transition_order

),

funnel as (

    select * from {{ ref('int_person_funnel') }}

),

entries as (

    select
        person_id,
        segment,
        'new_to_mql' as transition,
        created_at as entered_at,
        mql_at as next_at
    from funnel
    union all
    select
        person_id,
        segment,
        'mql_to_sql' as transition,
        mql_at as entered_at,
        sql_at as next_at
    from funnel
    where mql_at is not null
    union all
    select
        person_id,
        segment,
        'sql_to_opportunity' as transition,
        sql_at as entered_at,
        opportunity_at as next_at
    from funnel
    where sql_at is not null
    union all
    select
        person_id,
        segment,
        'opportunity_to_won' as transition,
        opportunity_at as entered_at,
        customer_at as next_at
    from funnel
    where opportunity_at is not null

),

measured as (

    select
        entries.*,
        {{ to_month('entries.entered_at') }} as cohort_month,
        entries.next_at is not null as converted_ever,
        coalesce(
            entries.next_at
            <= {{ dbt.dateadd('day', var('conversion_window_days'), 'entries.entered_at') }},
            false
        ) as converted_within_window,
        case
            when entries.next_at >= entries.entered_at
                then
                    {{ dbt.datediff('entries.entered_at', 'entries.next_at', 'second') }}
                    / 86400.0
        end as days_to_next_stage
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
