{#- "Today" of the warehouse comes from the as-of date, never from the wall clock, so a build is
    reproducible and a closed month never moves because a run happened later.

    Where it comes from, first that is set:
      1. the environment variable ABM_AS_OF_DATE, read when a node runs (never while dbt parses
         the project, so a new date does not make dbt re-parse it: `abm-warehouse refresh
         --as-of` moves the date this way every day and partial parsing survives). Unit tests
         ignore it: they run with the vars they set.
      2. the var `as_of_date` (dbt_project.yml, or --vars).
    int_as_of publishes the date a build used. -#}
{% macro as_of_value() -%}
    {%- if execute and model is not none and model.get('resource_type') != 'unit_test' -%}
        {%- set from_env = env_var('ABM_AS_OF_DATE', '') | trim -%}
        {%- if from_env != '' -%}
            {{ return(from_env) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(var('as_of_date') | string | trim) }}
{%- endmacro %}

{#- The as-of date, as a date literal. -#}
{% macro as_of_date() -%}
    cast('{{ as_of_value() }}' as date)
{%- endmacro %}

{#- The first instant after the as-of date: timestamps strictly before it are "known". -#}
{% macro as_of_end() -%}
    cast({{ dbt.dateadd('day', 1, "cast('" ~ as_of_value() ~ "' as date)") }} as timestamp)
{%- endmacro %}

{#- First day of the as-of month (the last, possibly partial, month of the warehouse). -#}
{% macro as_of_month() -%}
    cast({{ dbt.date_trunc('month', "cast('" ~ as_of_value() ~ "' as date)") }} as date)
{%- endmacro %}

{#- When this dbt invocation started, as a timestamp: the bookkeeping stamp (`dbt_refreshed_at`)
    incremental models put on the rows a run writes, so a model downstream can find them. Never
    used to decide "today" (that is as_of_date). -#}
{% macro run_stamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}
