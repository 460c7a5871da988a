{#- Off where kpi_cohort_retention is disabled (Spark: a Python model; macros/utils/engines.sql). -#}
{{ config(enabled=enabled_on_target('kpi_cohort_retention')) }}

-- At k = 0 every cohort account is active and all of the starting MRR is retained, and each
-- cohort's grid runs to the as-of month without gaps.

with cohorts as (

    select * from {{ ref('kpi_cohort_retention') }}

)

select
    segment,
    cohort_month,
    months_since_start,
    'k = 0 is not whole' as problem
from cohorts
where
    months_since_start = 0
    and (
        logo_retention_rate <> 1
        or active_accounts <> cohort_size
        or abs(retained_mrr - cohort_starting_mrr) > 0.000001
        or revenue_retention_rate <> 1
    )

union all

select
    segment,
    cohort_month,
    max(months_since_start) as months_since_start,
    'grid does not reach the as-of month' as problem
from cohorts
group by segment, cohort_month
having
    max(metric_month) <> {{ as_of_month() }}
    or count(*) <> max(months_since_start) + 1
