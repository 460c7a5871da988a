-- Quarter and year roll-ups of every additive ratio KPI of kpi_monthly: the sum of the
-- months' numerators over the sum of their denominators, never an average of monthly rates.

with monthly as (

    select * from {{ ref('kpi_monthly') }}
    where
        is_additive
        and period_grain in ('month', 'cohort_month')

),

grains as (

    select 'quarter' as rollup_grain
    union all
    select 'year' as rollup_grain

),

periods as (

    select
        grains.rollup_grain,
        cast(
            case grains.rollup_grain
                when 'quarter' then {{ dbt.date_trunc('quarter', 'monthly.period_start') }}
                else {{ dbt.date_trunc('year', 'monthly.period_start') }}
            end as date
        ) as rollup_start,
        monthly.*
    from monthly
    cross join grains

),

summed as (

    select
        rollup_grain,
        rollup_start,
        period_grain,
        kpi_name,
        source_model,
        segment,
        dimension_name,
        dimension_value,
        is_rate,
        availability,
        absent_inputs,
        count(*) as months_in_period,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from periods
    group by
        rollup_grain,
        rollup_start,
        period_grain,
        kpi_name,
        source_model,
        segment,
        dimension_name,
        dimension_value,
        is_rate,
        availability,
        absent_inputs

),

final as (

    select
        rollup_grain as period_grain,
        rollup_start as period_start,
        period_grain as source_period_grain,
        kpi_name,
        source_model,
        segment,
        dimension_name,
        dimension_value,
        {{ safe_divide('numerator', 'denominator') }} as kpi_value,
        numerator,
        denominator,
        is_rate,
        availability,
        absent_inputs,
        months_in_period,
        case rollup_grain
            when 'quarter' then {{ dbt.dateadd('month', 3, 'rollup_start') }}
            else {{ dbt.dateadd('month', 12, 'rollup_start') }}
        end <= {{ dbt.dateadd('day', 1, as_of_date()) }} as is_complete_period
    from summed

)

select * from final
