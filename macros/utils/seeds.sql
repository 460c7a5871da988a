{#- Spark: load a seed with one statement through Spark's own CSV reader, instead of dbt-spark's
    row-by-row `insert ... values` batches (which render every value into the SQL text and are
    slow to parse for the committed sample's ~245k rows). Like dbt's CSV reader (agate), an
    empty field or the text `null` (any case, blanks around it) is NULL. The path is the seed
    file relative to the project directory (dbt runs the session in-process, so that is
    Spark's working directory). -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set path = model['root_path'] ~ '/' ~ model['original_file_path'] -%}
    {%- set view = '__abm_seed_' ~ model['name'] -%}
    {%- set create_view -%}
        create or replace temporary view {{ view }}
        using csv
        options (path '{{ path }}', header 'true', multiLine 'true', escape '"', mode 'FAILFAST')
    {%- endset -%}
    {%- do adapter.add_query(create_view, auto_begin=False) -%}
    {%- set sql -%}
        insert into {{ this.render() }}
        select
        {%- for col_name in agate_table.column_names %}
            {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
            {%- set type = column_override.get(col_name, inferred_type) %}
            cast(
                case when lower(trim(`{{ col_name }}`)) in ('', 'null') then null else `{{ col_name }}` end
                as {{ type }}
            ) as `{{ col_name }}`{%- if not loop.last %},{% endif %}
        {%- endfor %}
        from {{ view }}
    {%- endset -%}
    {%- do adapter.add_query(sql, auto_begin=False, abridge_sql_log=True) -%}
    {{ return(sql) }}
{% endmacro %}
