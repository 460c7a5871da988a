{{ config(materialized='table') }}

-- The reporting grid of every monthly KPI table: each month with each segment, so months
-- without activity still get their row (with zero counts and NULL rates).

with months as (

    select * from {{ ref('int_months') }}

),

segments as (

    {{ reporting_segments() }}

),

final as (

    select
        months.metric_month,
        months.month_end_exclusive,
        segments.segment
    from months
    cross join segments

)

select * from final
