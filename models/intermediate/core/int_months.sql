{{ config(materialized='table') }}

-- The reporting months: from the first month with a person or an opportunity to the as-of
-- month (the last, possibly partial, month). Never the wall clock.

with spine as (

    {{ dbt.date_spine('month', "cast('2000-01-01' as date)", dbt.dateadd('month', 1, as_of_month())) }}

),

data_start as (

    select min(first_month) as first_month
    from (
        select min({{ to_month('created_at') }}) as first_month
        from {{ ref('int_persons') }}
        union all
        select min({{ to_month('created_at') }}) as first_month
        from {{ ref('stg_salesforce__opportunities') }}
    ) as starts

),

final as (

    select
        cast(spine.date_month as date) as metric_month,
        cast({{ dbt.dateadd('month', 1, 'spine.date_month') }} as date) as next_month,
        {{ month_end_exclusive('spine.date_month') }} as month_end_exclusive
    from spine
    cross join data_start
    where
        cast(spine.date_month as date) >= data_start.first_month
        and cast(spine.date_month as date) <= {{ as_of_month() }}

)

select * from final
