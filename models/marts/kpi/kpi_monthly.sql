-- Every ratio KPI of every kpi_ mart in one long table: one query lists every KPI of a month.
-- The KPIs and their numerators / denominators are read from the marts' `ratio_of` tests
-- (macros/marts/kpi_long.sql), so this table cannot drift from the marts it reads.
{%- set sources = [
    {'model': 'kpi_email_monthly', 'period': 'metric_month', 'grain': 'month', 'dims': ['program']},
    {'model': 'kpi_web_monthly', 'period': 'metric_month', 'grain': 'month',
     'non_additive': ['lead_conversion_rate']},
    {'model': 'kpi_web_channels_monthly', 'period': 'metric_month', 'grain': 'month', 'dims': ['channel']},
    {'model': 'kpi_landing_pages_monthly', 'period': 'metric_month', 'grain': 'month', 'dims': ['landing_page']},
    {'model': 'kpi_ctas_monthly', 'period': 'metric_month', 'grain': 'month', 'dims': ['cta_id']},
    {'model': 'kpi_forms_monthly', 'period': 'metric_month', 'grain': 'month', 'dims': ['form_id']},
    {'model': 'kpi_content_monthly', 'period': 'metric_month', 'grain': 'month', 'dims': ['content_id']},
    {'model': 'kpi_search_monthly', 'period': 'metric_month', 'grain': 'month',
     'non_additive': ['search_avg_position', 'share_keywords_in_top_10']},
    {'model': 'kpi_social_monthly', 'period': 'metric_month', 'grain': 'month', 'dims': ['platform']},
    {'model': 'kpi_ads_monthly', 'period': 'metric_month', 'grain': 'month',
     'dims': ['platform', 'ad_campaign_id', 'campaign_id']},
    {'model': 'kpi_paid_campaigns_monthly', 'period': 'metric_month', 'grain': 'month', 'dims': ['campaign_id']},
    {'model': 'kpi_funnel_monthly', 'period': 'metric_month', 'grain': 'month', 'segment': 'segment'},
    {'model': 'kpi_funnel_cohorts', 'period': 'cohort_month', 'grain': 'cohort_month', 'segment': 'segment',
     'dims': ['transition']},
    {'model': 'kpi_account_funnel_cohorts', 'period': 'cohort_month', 'grain': 'cohort_month',
     'segment': 'segment', 'dims': ['transition']},
    {'model': 'kpi_abm_monthly', 'period': 'metric_month', 'grain': 'month', 'segment': 'segment',
     'dims': ['abm_tier'],
     'non_additive': ['account_engagement_rate', 'mqa_account_rate', 'avg_engaged_contacts']},
    {'model': 'kpi_sales_monthly', 'period': 'metric_month', 'grain': 'month', 'segment': 'segment'},
    {'model': 'kpi_marketing_influence_monthly', 'period': 'metric_month', 'grain': 'month',
     'segment': 'segment', 'dims': ['influence_group']},
    {'model': 'kpi_marketing_roi_monthly', 'period': 'metric_month', 'grain': 'month',
     'dims': ['attribution_model', 'cost_channel'],
     'extra': {'marketing_roi': ('attributed_revenue - marketing_cost', 'marketing_cost')}},
    {'model': 'kpi_cac_monthly', 'period': 'metric_month', 'grain': 'month',
     'non_additive': ['cac_t3m', 'ltv_to_cac']},
    {'model': 'kpi_revenue_retention_monthly', 'period': 'metric_month', 'grain': 'month', 'segment': 'segment',
     'non_additive': ['customer_retention_rate', 'gross_revenue_retention', 'net_revenue_retention',
                      'customer_retention_rate_t12m', 'gross_revenue_retention_t12m',
                      'net_revenue_retention_t12m']},
    {'model': 'kpi_cohort_retention', 'period': 'cohort_month', 'grain': 'cohort_month', 'segment': 'segment',
     'dims': ['months_since_start']},
    {'model': 'kpi_nps_quarterly', 'period': 'metric_quarter', 'grain': 'quarter', 'segment': 'segment'},
] -%}
{%- set excluded = {
    'kpi_email_campaigns': 'one row per e-mail campaign, no month grain',
    'kpi_campaign_mql_cost': 'one row per campaign over its life, no month grain',
    'kpi_nps_accounts_quarterly': 'one row per account and quarter',
    'kpi_sales_quarterly': 'itself a quarter / year roll-up of kpi_sales_monthly',
} %}

{#- For each source mart, the raw tables it reads (its lineage in the project's graph) that
    are absent from the extracts (var raw_absent_tables = 'empty'), and the contract columns it
    needs (column lineage) that var raw_absent_columns declares absent:
    macros/staging/raw_lineage.sql. -#}
{%- set absent_by_model = absent_inputs_by_kpi_mart() %}

with kpis as (

    {{ kpi_long_rows(sources, excluded) }}

),

inputs as (

    select
        *,
        {%- if absent_by_model %}
            case source_model
                {%- for model, missing in absent_by_model.items() %}
                    when '{{ model }}' then '{{ missing }}'
                {%- endfor %}
                else ''
            end
        {%- else %}
            ''
        {%- endif %} as absent_inputs
    from kpis

),

counted as (

    -- A KPI reading an absent input that counted nothing in any period (every numerator and
    -- denominator 0 or NULL) is not available: its zeros are the absence, not a measurement.
    select
        *,
        {%- if absent_by_model %}
            max(
                case when coalesce(numerator, 0) <> 0 or coalesce(denominator, 0) <> 0 then 1 else 0 end
            ) over (partition by source_model, kpi_name)
        {%- else %}
            1
        {%- endif %} as counted_any
    from inputs

),

final as (

    select
        period_start,
        period_grain,
        kpi_name,
        source_model,
        segment,
        dimension_name,
        dimension_value,
        case when absent_inputs <> '' and counted_any = 0 then null else kpi_value end as kpi_value,
        case when absent_inputs <> '' and counted_any = 0 then null else numerator end as numerator,
        case when absent_inputs <> '' and counted_any = 0 then null else denominator end as denominator,
        is_rate,
        is_additive,
        case
            when absent_inputs = '' then 'available'
            when counted_any = 1 then 'partial'
            else 'not_available'
        end as availability,
        absent_inputs
    from counted

)

select * from final
