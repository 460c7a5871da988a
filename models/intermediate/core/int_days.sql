{{ config(materialized='table') }}

-- The day grid of the MetricFlow semantic layer (its time spine): every day from 2000-01-01
-- to the end of the year after the as-of month, so cumulative and offset metrics always
-- find their days. Never the wall clock.

with spine as (

    {{ dbt.date_spine('day', "cast('2000-01-01' as date)", dbt.dateadd('month', 24, as_of_month())) }}

),

final as (

    select cast(spine.date_day as date) as date_day
    from spine

)

select * from final
