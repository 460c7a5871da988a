{{ config(materialized='table') }}

-- ICP fit score (catalog D): 0–100 from firmographics. An account earns the industry weight
-- when its industry is one of var icp_target_industries, and a share of the employees /
-- revenue weight from the first band of var icp_employee_bands / icp_revenue_bands (highest
-- `min` first) its value reaches; unknown values and values below every band earn 0.

{%- set weights = var('icp_fit_weights') %}
{%- set employee_bands = var('icp_employee_bands') | sort(attribute='min', reverse=true) %}
{%- set revenue_bands = var('icp_revenue_bands') | sort(attribute='min', reverse=true) %}
{%- set icp_industries = "'" ~ (var('icp_target_industries') | join("', '")) ~ "'" %}

with accounts as (

    select * from {{ ref('int_accounts') }}

),

scored as (

    select
        account_id,
        industry,
        number_of_employees,
        annual_revenue,
        case
            when industry in ({{ icp_industries }}) then 1.0
            else 0.0
        end as industry_share,
        case
            {%- for band in employee_bands %}
                when number_of_employees >= {{ band.min }} then {{ band.share }}
            {%- endfor %}
            else 0.0
        end as employees_share,
        case
            {%- for band in revenue_bands %}
                when annual_revenue >= {{ band.min }} then {{ band.share }}
            {%- endfor %}
            else 0.0
        end as revenue_share
    from accounts

),

final as (

    select
        account_id,
        industry_share,
        employees_share,
        revenue_share,
        cast(
            {{ weights.industry }} * industry_share
            + {{ weights.employees }} * employees_share
            + {{ weights.revenue }} * revenue_share
            as double
        ) as icp_fit_score
    from scored

)

select * from final
