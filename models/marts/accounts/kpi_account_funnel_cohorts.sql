-- Account funnel conversion and velocity per cohort (catalog D, as section C does for
-- persons): accounts grouped by the month they entered a stage; the share that reached the
-- next stage ever and within var conversion_window_days, and the days it took. Stage dates are
-- milestones (fct_account_daily), so a later stage is never before an earlier one. One pass
-- over accounts.

with transitions as (

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

final as (

    {{ stage_cohort_rates('measured', 'transitions') }}

)

select * from final
