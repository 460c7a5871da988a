{#- Off where kpi_ltv_survival_curve is disabled (Spark: a Python model; macros/utils/engines.sql). -#}
{{ config(enabled=enabled_on_target('kpi_ltv_survival_curve')) }}

-- Survival never rises with tenure: projected (sBG) and observed (Kaplan-Meier) survival are
-- non-increasing in the period within each fit group, and start at 1.

with curve as (

    select
        billing_interval,
        segment,
        period,
        projected_survival,
        observed_survival,
        lag(projected_survival) over (
            partition by billing_interval, segment order by period
        ) as previous_projected,
        lag(observed_survival) over (
            partition by billing_interval, segment order by period
        ) as previous_observed
    from {{ ref('kpi_ltv_survival_curve') }}

)

select *
from curve
where
    projected_survival > previous_projected + 1e-12
    or observed_survival > previous_observed + 1e-12
    or (period = 0 and (projected_survival <> 1 or observed_survival <> 1))
