{#- "Today" of the warehouse comes from the `as_of_date` var, never from the wall clock, so a
    build is reproducible and a closed month never moves because a run happened later. -#}

{#- The as-of date, as a date literal. -#}
{% macro as_of_date() -%}
    cast('{{ var("as_of_date") }}' as date)
{%- endmacro %}

{#- The first instant after the as-of date: timestamps strictly before it are "known". -#}
{% macro as_of_end() -%}
    cast({{ dbt.dateadd('day', 1, "cast('" ~ var('as_of_date') ~ "' as date)") }} as timestamp)
{%- endmacro %}

{#- First day of the as-of month (the last, possibly partial, month of the warehouse). -#}
{% macro as_of_month() -%}
    cast({{ dbt.date_trunc('month', "cast('" ~ var('as_of_date') ~ "' as date)") }} as date)
{%- endmacro %}

{#- When this dbt invocation started, as a timestamp: the bookkeeping stamp (`dbt_refreshed_at`)
    incremental models put on the rows a run writes, so a model downstream can find them. Never
    used to decide "today" (that is as_of_date). -#}
{% macro run_stamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}
