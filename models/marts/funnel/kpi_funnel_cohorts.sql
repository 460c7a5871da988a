-- Stage conversion and velocity per cohort (catalog section C): persons grouped by the month
-- they entered a stage; the share that reached the next stage ever and within
-- var conversion_window_days, and the days it took. One pass over persons (cost ~ persons).

with transitions as (

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
                then {{ days_between('entries.entered_at', 'entries.next_at') }}
        end as days_to_next_stage
    from entries

),

final as (

    {{ stage_cohort_rates('measured', 'transitions') }}

)

select * from final
