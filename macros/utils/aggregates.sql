{#- Median of a numeric expression (an aggregate). Dispatched: engines spell it differently. -#}
{% macro median(expr) -%}
    {{ return(adapter.dispatch('median', 'abm_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__median(expr) -%}
    median({{ expr }})
{%- endmacro %}

{% macro spark__median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}

{#- numerator / denominator as a double, NULL when the denominator is 0 or NULL. -#}
{% macro safe_divide(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif({{ denominator }}, 0)
{%- endmacro %}

{#- Fan rows out to their own segment and to 'all': join this on
    `segments.segment = <rows>.segment or segments.segment = 'all'`. -#}
{% macro reporting_segments() -%}
    select 'ABM' as segment
    union all
    select 'non-ABM' as segment
    union all
    select 'all' as segment
{%- endmacro %}
