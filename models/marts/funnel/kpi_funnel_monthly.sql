-- Lead funnel and nurture KPIs (catalog section C), one row per month and segment.
-- Stalled persons need each person's stage at each month end: a range join of persons with
-- the months they are alive and not terminal in (cost ~ persons × months of life).

with segments as (

    {{ reporting_segments() }}

),

funnel as (

    select * from {{ ref('int_person_funnel') }}

),

scores as (

    select * from {{ ref('int_person_scores') }}

),

status_changes as (

    select * from {{ ref('int_person_status_changes') }}

),

spend as (

    select * from {{ ref('int_spend_monthly') }}
    where department = 'marketing'

),

grid as (

    select * from {{ ref('int_month_segments') }}

),

persons as (

    select
        funnel.*,
        segments.segment as report_segment
    from funnel
    inner join segments
        on {{ counts_in_group('funnel.segment', 'segments.segment') }}

),

stage_counts as (

    select
        metric_month,
        report_segment as segment,
        sum(case when stage = 'new' then 1 else 0 end) as new_leads,
        sum(case when stage = 'mql' then 1 else 0 end) as new_mqls,
        sum(case when stage = 'sql' then 1 else 0 end) as new_sqls
    from (
        select
            report_segment,
            'new' as stage,
            {{ to_month('created_at') }} as metric_month
        from persons
        union all
        select
            report_segment,
            'mql' as stage,
            {{ to_month('mql_at') }} as metric_month
        from persons
        where mql_at is not null
        union all
        select
            report_segment,
            'sql' as stage,
            {{ to_month('sql_at') }} as metric_month
        from persons
        where sql_at is not null
    ) as stage_entries
    group by metric_month, report_segment

),

reopened as (

    select
        {{ to_month('status_changes.created_at') }} as metric_month,
        persons.report_segment as segment,
        count(distinct persons.person_id) as reopened_leads
    from status_changes
    inner join persons
        on status_changes.person_id = persons.person_id
    where
        status_changes.old_value = 'Recycled'
        and status_changes.new_value in ('Open', 'Working', 'Nurturing')
    group by {{ to_month('status_changes.created_at') }}, persons.report_segment

),

scores_at_creation_month_end as (

    select
        persons.person_id,
        persons.report_segment,
        {{ to_month('persons.created_at') }} as metric_month,
        coalesce(sum(scores.score_delta), 0) as score
    from persons
    left join scores
        on
            persons.person_id = scores.person_id
            and scores.changed_at
            < {{ month_end_exclusive(to_month('persons.created_at')) }}
    group by persons.person_id, persons.report_segment, {{ to_month('persons.created_at') }}

),

score_profile as (

    select
        metric_month,
        report_segment as segment,
        avg(score) as new_lead_score_mean,
        {{ median('score') }} as new_lead_score_median,
        sum(case when score < 25 then 1 else 0 end) as new_leads_score_0_24,
        sum(case when score >= 25 and score < 50 then 1 else 0 end) as new_leads_score_25_49,
        sum(case when score >= 50 and score < 100 then 1 else 0 end) as new_leads_score_50_99,
        sum(case when score >= 100 then 1 else 0 end) as new_leads_score_100_plus
    from scores_at_creation_month_end
    group by metric_month, report_segment

),

stage_at_month_end as (

    select
        grid.metric_month,
        grid.segment,
        persons.person_id,
        case
            when persons.opportunity_at < grid.month_end_exclusive then 'opportunity'
            when persons.sql_at < grid.month_end_exclusive then 'sql'
            when persons.mql_at < grid.month_end_exclusive then 'mql'
            else 'new'
        end as stage,
        case
            when persons.opportunity_at < grid.month_end_exclusive then persons.opportunity_at
            when persons.sql_at < grid.month_end_exclusive then persons.sql_at
            when persons.mql_at < grid.month_end_exclusive then persons.mql_at
            else persons.created_at
        end as stage_entered_at,
        grid.month_end_exclusive
    from grid
    inner join persons
        on
            grid.segment = persons.report_segment
            and grid.month_end_exclusive > persons.created_at
            and (persons.terminal_at is null or grid.month_end_exclusive <= persons.terminal_at)

),

stalled as (

    select
        metric_month,
        segment,
        sum(case when stage = 'new' then 1 else 0 end) as stalled_new,
        sum(case when stage = 'mql' then 1 else 0 end) as stalled_mql,
        sum(case when stage = 'sql' then 1 else 0 end) as stalled_sql,
        sum(case when stage = 'opportunity' then 1 else 0 end) as stalled_opportunity
    from stage_at_month_end
    where
        {{ dbt.datediff('stage_entered_at', 'month_end_exclusive', 'day') }}
        > {{ var('stall_days') }}
    group by metric_month, segment

),

nurture as (

    select
        {{ to_month('mql_at') }} as metric_month,
        report_segment as segment,
        sum(case when is_nurtured then 1 else 0 end) as nurtured_mqls,
        sum(case when is_nurtured and opportunity_at is not null then 1 else 0 end)
            as nurtured_mqls_to_opportunity,
        sum(case when not is_nurtured then 1 else 0 end) as non_nurtured_mqls,
        sum(case when not is_nurtured and opportunity_at is not null then 1 else 0 end)
            as non_nurtured_mqls_to_opportunity
    from (
        select
            *,
            coalesce(
                first_nurture_enrolled_at < coalesce(sql_at, {{ as_of_end() }}), false
            ) as is_nurtured
        from persons
        where mql_at is not null
    ) as mqls
    group by {{ to_month('mql_at') }}, report_segment

),

marketing_spend as (

    select
        spend.spend_month as metric_month,
        'all' as segment,
        sum(spend.amount_reporting) as marketing_spend
    from spend
    group by spend.spend_month

),

joined as (

    select
        grid.metric_month,
        grid.segment,
        coalesce(stage_counts.new_leads, 0) as new_leads,
        coalesce(stage_counts.new_mqls, 0) as new_mqls,
        coalesce(stage_counts.new_sqls, 0) as new_sqls,
        coalesce(reopened.reopened_leads, 0) as reopened_leads,
        score_profile.new_lead_score_mean,
        score_profile.new_lead_score_median,
        coalesce(score_profile.new_leads_score_0_24, 0) as new_leads_score_0_24,
        coalesce(score_profile.new_leads_score_25_49, 0) as new_leads_score_25_49,
        coalesce(score_profile.new_leads_score_50_99, 0) as new_leads_score_50_99,
        coalesce(score_profile.new_leads_score_100_plus, 0) as new_leads_score_100_plus,
        coalesce(stalled.stalled_new, 0) as stalled_new,
        coalesce(stalled.stalled_mql, 0) as stalled_mql,
        coalesce(stalled.stalled_sql, 0) as stalled_sql,
        coalesce(stalled.stalled_opportunity, 0) as stalled_opportunity,
        coalesce(nurture.nurtured_mqls, 0) as nurtured_mqls,
        coalesce(nurture.nurtured_mqls_to_opportunity, 0) as nurtured_mqls_to_opportunity,
        coalesce(nurture.non_nurtured_mqls, 0) as non_nurtured_mqls,
        coalesce(nurture.non_nurtured_mqls_to_opportunity, 0)
            as non_nurtured_mqls_to_opportunity,
        marketing_spend.marketing_spend
    from grid
    left join stage_counts
        on grid.metric_month = stage_counts.metric_month and grid.segment = stage_counts.segment
    left join reopened
        on grid.metric_month = reopened.metric_month and grid.segment = reopened.segment
    left join score_profile
        on grid.metric_month = score_profile.metric_month and grid.segment = score_profile.segment
    left join stalled
        on grid.metric_month = stalled.metric_month and grid.segment = stalled.segment
    left join nurture
        on grid.metric_month = nurture.metric_month and grid.segment = nurture.segment
    left join marketing_spend
        on
            grid.metric_month = marketing_spend.metric_month
            and grid.segment = marketing_spend.segment

),

final as (

    select
        *,
        stalled_new + stalled_mql + stalled_sql + stalled_opportunity as stalled_persons,
        {{ safe_divide('nurtured_mqls_to_opportunity', 'nurtured_mqls') }}
            as nurtured_opportunity_rate,
        {{ safe_divide('non_nurtured_mqls_to_opportunity', 'non_nurtured_mqls') }}
            as non_nurtured_opportunity_rate,
        {{ safe_divide('marketing_spend', 'new_mqls') }} as cost_per_mql
    from joined

)

select * from final
