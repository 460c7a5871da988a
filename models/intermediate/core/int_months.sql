{{ config(materialized='table') }}

-- The reporting months: from the earliest month of any fact the marts report by month (CRM,
-- marketing automation, web, ads, social, search, billing, NPS, spend) to the as-of month (the
-- last, possibly partial, month). Never the wall clock. So billing, web or spend history older
-- than the CRM data keeps its months.
--
-- Each fact counts on the date a mart groups it by (dates no mart counts by, such as a campaign
-- member's creation, and entities such as accounts do not move the start). Each is read only
-- for its date range: min() of one date column of a narrow model (web: the sessions, not the
-- events; spend: the converted monthly rows), never a join. The spine cannot start before
-- 2000-01-01; tests/intermediate/core/assert_staged_facts_within_reporting_months.sql fails on
-- any staged fact row before the first reporting month.

{% set fact_dates = [
    ('stg_salesforce__leads', 'created_at'),
    ('stg_salesforce__contacts', 'created_at'),
    ('stg_salesforce__lead_history', 'created_at'),
    ('stg_salesforce__opportunities', 'created_at'),
    ('stg_salesforce__opportunities', 'close_date'),
    ('stg_salesforce__opportunity_history', 'created_at'),
    ('stg_salesforce__campaign_members', 'first_responded_date'),
    ('stg_salesforce__tasks', 'activity_date'),
    ('stg_salesforce__events', 'created_at'),
    ('stg_salesforce__events', 'started_at'),
    ('stg_marketing_automation__email_campaigns', 'sent_at'),
    ('stg_marketing_automation__email_events', 'occurred_at'),
    ('stg_marketing_automation__form_submissions', 'submitted_at'),
    ('stg_marketing_automation__lead_score_changes', 'changed_at'),
    ('int_web_sessions', 'started_at'),
    ('stg_ads__ad_performance_daily', 'report_date'),
    ('stg_ads__ad_company_daily', 'report_date'),
    ('stg_social__social_daily', 'report_date'),
    ('stg_seo__search_rank_daily', 'report_date'),
    ('int_spend_monthly', 'spend_month'),
    ('stg_billing__subscriptions', 'started_at'),
    ('stg_billing__invoices', 'paid_at'),
    ('stg_surveys__nps_responses', 'submitted_at'),
] %}

with spine as (

    {{ dbt.date_spine('month', "cast('2000-01-01' as date)", dbt.dateadd('month', 1, as_of_month())) }}

),

fact_starts as (

    {%- for model_name, column_name in fact_dates %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select {{ to_month('min(' ~ column_name ~ ')') }} as first_month
        from {{ ref(model_name) }}
    {%- endfor %}

),

data_start as (

    select min(first_month) as first_month
    from fact_starts

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
