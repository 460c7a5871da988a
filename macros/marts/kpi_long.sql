{#-
    The long KPI table: one select per (source mart, ratio KPI), unioned.

    Which KPIs exist is read from the project itself: every column of a source mart carrying a
    `ratio_of` test is a ratio KPI, and the test's numerator and denominator are published
    beside it. A `kpi_` mart with a ratio KPI must be listed in `sources` (with its grain) or
    in `excluded` (with the reason): otherwise compilation fails, so a new mart cannot be
    silently left out of kpi_monthly.

    sources: list of dicts
        model      the mart
        period     its period column (a date: month, cohort month or quarter start)
        grain      'month', 'cohort_month' or 'quarter'
        segment    its segment column, or none ('all')
        dims       its other grain columns (joined with ' / ' into dimension_value)
        extra      extra ratio KPIs that are not a plain ratio_of: {kpi: (numerator, denominator)}
        non_additive  KPIs whose numerator and denominator must not be summed over months
                      (distinct counts, trailing windows, point-in-time bases)
-#}

{% macro kpi_ratio_tests(model_name, by_model=none) -%}
    {#- [(column, numerator, denominator, is_rate)] of the ratio_of tests of a model; from
        `by_model` (kpi_ratio_tests_by_model) when given. -#}
    {%- set by_model = by_model if by_model is not none else kpi_ratio_tests_by_model() -%}
    {{ return(by_model.get('model.' ~ project_name ~ '.' ~ model_name, [])) }}
{%- endmacro %}


{% macro kpi_ratio_tests_by_model() -%}
    {#- {model unique id: [(column, numerator, denominator, is_rate)]} of every model with
        ratio_of tests, in one pass over the graph's tests (a pass per mart made kpi_monthly's
        compilation take seconds). -#}
    {%- set rates = {} -%}
    {%- set ratios = {} -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'test' and node.test_metadata is defined and node.test_metadata and node.test_metadata.name in ('is_rate', 'ratio_of') -%}
            {%- if node.test_metadata.name == 'is_rate' -%}
                {%- do rates.setdefault(node.attached_node, []).append(node.column_name) -%}
            {%- else -%}
                {%- set kwargs = node.test_metadata.kwargs -%}
                {%- do ratios.setdefault(node.attached_node, []).append((node.column_name, kwargs.numerator, kwargs.denominator)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set out = {} -%}
    {%- for model_id, found in ratios.items() -%}
        {%- set model_rates = rates.get(model_id, []) -%}
        {%- set rows = [] -%}
        {%- for column, numerator, denominator in found -%}
            {%- do rows.append((column, numerator, denominator, column in model_rates)) -%}
        {%- endfor -%}
        {%- do out.update({model_id: rows | sort(attribute=0)}) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}


{% macro kpi_long_rows(sources, excluded) -%}
    {%- set listed = sources | map(attribute='model') | list + excluded.keys() | list -%}
    {#- Sources disabled on this target (e.g. Python models on Spark) are left out. -#}
    {%- set disabled = models_disabled_on_target().keys() | list -%}
    {%- set sources = sources | rejectattr('model', 'in', disabled) | list -%}
    {%- set ratio_tests = kpi_ratio_tests_by_model() -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name.startswith('kpi_') and node.name not in ('kpi_monthly', 'kpi_rollups') -%}
            {%- if node.name not in listed and kpi_ratio_tests(node.name, ratio_tests) | length > 0 -%}
                {{ exceptions.raise_compiler_error(
                    "kpi_monthly: mart " ~ node.name ~ " has ratio KPIs but is neither a source nor excluded "
                    ~ "(add it to the sources of models/marts/kpi/kpi_monthly.sql)"
                ) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set selects = [] -%}
    {%- for source in sources -%}
        {%- set relation = ref(source.model) -%}
        {%- set kpis = [] -%}
        {%- for kpi in kpi_ratio_tests(source.model, ratio_tests) -%}
            {%- do kpis.append(kpi) -%}
        {%- endfor -%}
        {%- for name, parts in (source.extra or {}).items() -%}
            {%- do kpis.append((name, parts[0], parts[1], false)) -%}
        {%- endfor -%}
        {%- set dims = source.dims or [] -%}
        {%- if dims | length == 0 -%}
            {%- set dimension_value = "'all'" -%}
        {%- else -%}
            {%- set dim_parts = [] -%}
            {%- for dim in dims -%}
                {%- if not loop.first -%}{%- do dim_parts.append("' / '") -%}{%- endif -%}
                {%- do dim_parts.append("coalesce(cast(" ~ dim ~ " as " ~ dbt.type_string() ~ "), '(none)')") -%}
            {%- endfor -%}
            {%- set dimension_value = dbt.concat(dim_parts) -%}
        {%- endif -%}
        {%- for column, numerator, denominator, is_rate in kpis -%}
            {%- set sql -%}
    select
        cast({{ source.period }} as date) as period_start,
        '{{ source.grain }}' as period_grain,
        '{{ column }}' as kpi_name,
        '{{ source.model }}' as source_model,
        {{ source.segment if source.segment else "'all'" }} as segment,
        '{{ dims | join(" / ") if dims else "total" }}' as dimension_name,
        {{ dimension_value }} as dimension_value,
        cast({{ column }} as double) as kpi_value,
        cast({{ numerator }} as double) as numerator,
        cast({{ denominator }} as double) as denominator,
        {{ 'true' if is_rate else 'false' }} as is_rate,
        {{ 'false' if column in (source.non_additive or []) or source.grain == 'quarter' else 'true' }} as is_additive
    from {{ relation }}
            {%- endset -%}
            {%- do selects.append(sql) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if selects | length == 0 %}
    {#- at parse time the graph is not read yet: a typed empty relation -#}
    select
        cast(null as date) as period_start,
        cast(null as {{ dbt.type_string() }}) as period_grain,
        cast(null as {{ dbt.type_string() }}) as kpi_name,
        cast(null as {{ dbt.type_string() }}) as source_model,
        cast(null as {{ dbt.type_string() }}) as segment,
        cast(null as {{ dbt.type_string() }}) as dimension_name,
        cast(null as {{ dbt.type_string() }}) as dimension_value,
        cast(null as double) as kpi_value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        false as is_rate,
        false as is_additive
    where 1 = 0
    {%- else -%}
    {{ selects | join('\n    union all\n') }}
    {%- endif -%}
{%- endmacro %}
