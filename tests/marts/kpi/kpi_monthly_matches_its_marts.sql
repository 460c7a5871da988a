-- kpi_monthly must carry every row of the marts it reads, with the same value: checked for a
-- mart with a segment (kpi_sales_monthly.win_rate), one with a dimension
-- (kpi_email_monthly.email_open_rate per program), one with three dimension columns
-- (kpi_ads_monthly.ad_cpm) and a cohort mart (kpi_funnel_cohorts.conversion_rate_ever).
-- Returns mart rows missing from kpi_monthly or carrying another value.

with long as (

    select * from {{ ref('kpi_monthly') }}

),

expected as (

    select
        'kpi_sales_monthly' as source_model,
        'win_rate' as kpi_name,
        metric_month as period_start,
        segment,
        'all' as dimension_value,
        win_rate as kpi_value
    from {{ ref('kpi_sales_monthly') }}

    union all

    select
        'kpi_email_monthly' as source_model,
        'email_open_rate' as kpi_name,
        metric_month as period_start,
        'all' as segment,
        program as dimension_value,
        email_open_rate as kpi_value
    from {{ ref('kpi_email_monthly') }}

    union all

    select
        'kpi_ads_monthly' as source_model,
        'ad_cpm' as kpi_name,
        metric_month as period_start,
        'all' as segment,
        platform || ' / ' || ad_campaign_id || ' / ' || coalesce(campaign_id, '(none)') as dimension_value,
        ad_cpm as kpi_value
    from {{ ref('kpi_ads_monthly') }}

    union all

    select
        'kpi_funnel_cohorts' as source_model,
        'conversion_rate_ever' as kpi_name,
        cohort_month as period_start,
        segment,
        transition as dimension_value,
        conversion_rate_ever as kpi_value
    from {{ ref('kpi_funnel_cohorts') }}

),

compared as (

    select
        expected.source_model,
        expected.kpi_name,
        expected.period_start,
        expected.segment,
        expected.dimension_value,
        expected.kpi_value as mart_value,
        long.kpi_value as long_value,
        long.kpi_name is not null as is_present
    from expected
    left join long
        on
            expected.source_model = long.source_model
            and expected.kpi_name = long.kpi_name
            and expected.period_start = long.period_start
            and expected.segment = long.segment
            and expected.dimension_value = long.dimension_value

)

select * from compared
where
    not is_present
    or (mart_value is null) <> (long_value is null)
    or abs(mart_value - long_value) > 0.000000001
