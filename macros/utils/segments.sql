{#- ABM segment of an account from its (current, de-duplicated) ABM tier: a target account
    is one with a non-NULL tier. Every outcome KPI is reported for 'ABM', 'non-ABM' and 'all'. -#}
{% macro abm_segment(tier_expr) -%}
    case when {{ tier_expr }} is not null then 'ABM' else 'non-ABM' end
{%- endmacro %}
