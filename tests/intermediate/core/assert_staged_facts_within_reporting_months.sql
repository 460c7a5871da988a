-- No staged fact row falls outside the reporting months (int_months) unnoticed. For every
-- staged fact the marts report by month, and each of its date columns a mart groups by:
--   rows_before_first_month  rows whose month is before the first reporting month: the monthly
--                            marts would drop them without a word (must be 0);
--   unflagged_future_rows    rows whose month is after the as-of month without is_future_dated:
--                            staging keeps such rows flagged (DECISIONLOG "Quarantine vs flag")
--                            under each staging model's warn test on the flag, and the marts
--                            read facts only up to the as-of date, so every one must carry the
--                            flag (must be 0). Checked on the record's own date, the one the
--                            flag reads; other dates (an opportunity's expected close, a meeting's
--                            start, a task's activity date, an invoice's payment, a campaign
--                            response) may lie after the as-of date by nature, and the marts cut
--                            them at the as-of date. Invoices carry no flag: lower bound only.
-- The spine cannot start before 2000-01-01, so a fact row before 2000 fails here too.
-- One row per offending fact date column; each column is compared as it is (no per-row month
-- truncation), so the large event tables cost one column scan each.

{% set staged_fact_dates = [
    ('stg_salesforce__leads', 'created_at', true),
    ('stg_salesforce__contacts', 'created_at', true),
    ('stg_salesforce__lead_history', 'created_at', true),
    ('stg_salesforce__opportunities', 'created_at', true),
    ('stg_salesforce__opportunities', 'close_date', false),
    ('stg_salesforce__opportunity_history', 'created_at', true),
    ('stg_salesforce__campaign_members', 'first_responded_date', false),
    ('stg_salesforce__tasks', 'activity_date', false),
    ('stg_salesforce__events', 'created_at', true),
    ('stg_salesforce__events', 'started_at', false),
    ('stg_marketing_automation__email_campaigns', 'sent_at', true),
    ('stg_marketing_automation__email_events', 'occurred_at', true),
    ('stg_marketing_automation__form_submissions', 'submitted_at', true),
    ('stg_marketing_automation__lead_score_changes', 'changed_at', true),
    ('stg_web__web_events', 'occurred_at', true),
    ('stg_ads__ad_performance_daily', 'report_date', true),
    ('stg_ads__ad_company_daily', 'report_date', true),
    ('stg_social__social_daily', 'report_date', true),
    ('stg_seo__search_rank_daily', 'report_date', true),
    ('stg_finance__spend_monthly', 'spend_month', true),
    ('stg_billing__subscriptions', 'started_at', true),
    ('stg_billing__invoices', 'paid_at', false),
    ('stg_surveys__nps_responses', 'submitted_at', true),
] %}

-- Bounds as instants, so each row is compared as it is (no month truncation per row):
-- a row is before the first reporting month when it is before that month's first instant, after
-- the as-of month when it is at or after the first instant of the month after it.
with reporting_months as (

    select
        min(metric_month) as first_month,
        cast(min(metric_month) as timestamp) as first_month_start,
        {{ month_end_exclusive(as_of_month()) }} as after_as_of_month_start
    from {{ ref('int_months') }}

),

fact_months as (

    {%- for model_name, column_name, is_flagged_date in staged_fact_dates %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            '{{ model_name }}' as model_name,
            '{{ column_name }}' as column_name,
            cast(min(facts.{{ column_name }}) as timestamp) as first_at,
            sum(
                case
                    when facts.{{ column_name }} < reporting_months.first_month_start then 1
                    else 0
                end
            ) as rows_before_first_month,
            {%- if is_flagged_date %}
                sum(
                    case
                        when
                            facts.{{ column_name }} >= reporting_months.after_as_of_month_start
                            and not facts.is_future_dated
                            then 1
                        else 0
                    end
                ) as unflagged_future_rows
            {%- else %}
                0 as unflagged_future_rows
            {%- endif %}
        from {{ ref(model_name) }} as facts
        cross join reporting_months
    {%- endfor %}

),

final as (

    select
        fact_months.model_name,
        fact_months.column_name,
        fact_months.first_at,
        reporting_months.first_month as first_reporting_month,
        fact_months.rows_before_first_month,
        fact_months.unflagged_future_rows
    from fact_months
    cross join reporting_months
    where
        fact_months.rows_before_first_month > 0
        or fact_months.unflagged_future_rows > 0

)

select * from final
