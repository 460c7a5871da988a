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

{#- The reporting segments of the outcome KPIs: a row counts in its own segment and in 'all'
    (join it with counts_in_group). -#}
{% macro reporting_segments() -%}
    select 'ABM' as segment
    union all
    select 'non-ABM' as segment
    union all
    select 'all' as segment
{%- endmacro %}

{#- The join condition that fans a row out to the reporting groups it counts in: its own group
    (segment, e-mail program, ...) and 'all'. `member` is the row's group, `report` the
    reporting group's column (from reporting_segments() or a list of the groups plus 'all').
    One definition of what 'all' means for every kpi_ mart. -#}
{% macro counts_in_group(member, report) -%}
    ({{ member }} = {{ report }} or {{ report }} = 'all')
{%- endmacro %}

{#- The first row of a group by `order` (columns, compared in turn, none of them NULL), as a
    struct of `fields` (column names): an aggregate, read as `<alias>.<field>`. One hash
    aggregate, where row_number() over (partition by ... order by ...) = 1 sorts every row of
    the group (int_engagement_signals' 17M person signals: 2 s against 10 s). Rows that tie on
    every order column are interchangeable, as with row_number(). -#}
{% macro first_by(fields, order) -%}
    {{ return(adapter.dispatch('first_by', 'abm_warehouse')(fields, order)) }}
{%- endmacro %}

{% macro default__first_by(fields, order) -%}
    arg_min(
        struct_pack({% for f in fields %}{{ f }} := {{ f }}{% if not loop.last %}, {% endif %}{% endfor %}),
        struct_pack({% for o in order %}o{{ loop.index }} := {{ o }}{% if not loop.last %}, {% endif %}{% endfor %})
    )
{%- endmacro %}

{% macro spark__first_by(fields, order) -%}
    min_by(
        named_struct({% for f in fields %}'{{ f }}', {{ f }}{% if not loop.last %}, {% endif %}{% endfor %}),
        named_struct({% for o in order %}'o{{ loop.index }}', {{ o }}{% if not loop.last %}, {% endif %}{% endfor %})
    )
{%- endmacro %}
