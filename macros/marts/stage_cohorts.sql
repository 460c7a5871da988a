{#- Stage-cohort conversion and velocity (catalog C and D): from `measured` rows (one per
    entry into a stage: cohort_month, segment, transition, converted_ever,
    converted_within_window, days_to_next_stage) to one row per cohort month × segment
    (ABM / non-ABM / all) × transition of `transitions` (transition, transition_order),
    with empty cohorts kept as zero-sized rows. Shared by the person and the account funnel. -#}
{% macro stage_cohort_rates(measured, transitions) -%}
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
    from (
        select
            month_segments.metric_month as cohort_month,
            month_segments.segment,
            stage_transitions.transition,
            stage_transitions.transition_order
        from {{ ref('int_month_segments') }} as month_segments
        cross join {{ transitions }} as stage_transitions
    ) as grid
    left join (
        select
            entries.cohort_month,
            segments.segment,
            entries.transition,
            count(*) as cohort_size,
            sum(case when entries.converted_ever then 1 else 0 end) as converted_ever,
            sum(case when entries.converted_within_window then 1 else 0 end)
                as converted_within_window,
            avg(entries.days_to_next_stage) as stage_velocity_days_mean,
            {{ median('entries.days_to_next_stage') }} as stage_velocity_days_median
        from {{ measured }} as entries
        inner join ({{ reporting_segments() }}) as segments
            on entries.segment = segments.segment or segments.segment = 'all'
        group by entries.cohort_month, segments.segment, entries.transition
    ) as aggregated
        on
            grid.cohort_month = aggregated.cohort_month
            and grid.segment = aggregated.segment
            and grid.transition = aggregated.transition
{%- endmacro %}
