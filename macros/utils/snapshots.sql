{#- Snapshots on Spark without Delta / Iceberg / Hudi (issue 11).

    dbt-spark's snapshot materialization refuses any file format but delta, iceberg and hudi:
    it updates `dbt_valid_to` with MERGE, which plain Parquet tables do not have. This is the
    same materialization (dbt-spark 1.11, materializations/snapshot.sql) with one difference:
    on a Parquet table the MERGE is replaced by a rewrite of the whole snapshot,
      1. `<snapshot>__dbt_rewrite` = the snapshot's rows with `dbt_valid_to` set from the
         staging rows of change type update/delete (same match as dbt-spark's MERGE: on
         dbt_scd_id, current rows only), plus the staging rows of change type insert;
      2. `insert overwrite` the snapshot from it (Spark cannot overwrite a table it reads in
         the same statement, hence the intermediate table), then drop it.
    Same result as the MERGE; cost ~ the whole snapshot per run instead of the changed rows,
    fine at the sample's size; with Delta (Databricks) set file_format 'delta' on the snapshots
    and dbt-spark's MERGE runs unchanged. -#}

{% macro abm_spark_snapshot_rewrite_sql(target, source, rewrite) -%}
    {%- set columns = config.get("snapshot_table_column_names") or get_snapshot_table_column_names() -%}
    {%- set target_columns = adapter.get_columns_in_relation(target) | map(attribute='name') | list -%}
    create table {{ rewrite }} using parquet as
    select
        {%- for column in target_columns %}
        {%- if column | lower == columns.dbt_valid_to | lower %}
        case
            when
                DBT_INTERNAL_SOURCE.{{ columns.dbt_scd_id }} is not null
                then DBT_INTERNAL_SOURCE.{{ columns.dbt_valid_to }}
            else DBT_INTERNAL_DEST.{{ adapter.quote(column) }}
        end as {{ adapter.quote(column) }}
        {%- else %}
        DBT_INTERNAL_DEST.{{ adapter.quote(column) }}
        {%- endif %}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ target }} as DBT_INTERNAL_DEST
    left join (
        select * from {{ source }}
        where dbt_change_type in ('update', 'delete')
    ) as DBT_INTERNAL_SOURCE
        on
            DBT_INTERNAL_SOURCE.{{ columns.dbt_scd_id }} = DBT_INTERNAL_DEST.{{ columns.dbt_scd_id }}
            {% if config.get("dbt_valid_to_current") %}
            and (
                DBT_INTERNAL_DEST.{{ columns.dbt_valid_to }} = {{ config.get('dbt_valid_to_current') }}
                or DBT_INTERNAL_DEST.{{ columns.dbt_valid_to }} is null
            )
            {% else %}
            and DBT_INTERNAL_DEST.{{ columns.dbt_valid_to }} is null
            {% endif %}

    union all

    select
        {%- for column in target_columns %}
        DBT_INTERNAL_SOURCE.{{ adapter.quote(column) }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ source }} as DBT_INTERNAL_SOURCE
    where
        DBT_INTERNAL_SOURCE.dbt_change_type = 'insert'
        and not exists (
            select 1 from {{ target }} as DBT_INTERNAL_DEST
            where DBT_INTERNAL_DEST.{{ columns.dbt_scd_id }} = DBT_INTERNAL_SOURCE.{{ columns.dbt_scd_id }}
        )
{%- endmacro %}


{% materialization snapshot, adapter='spark' %}

  {%- set target_table = model.get('alias', model.get('name')) -%}

  {%- set strategy_name = config.get('strategy') -%}
  {%- set unique_key = config.get('unique_key') %}
  {%- set file_format = config.get('file_format') or 'parquet' -%}
  {%- set grant_config = config.get('grants') -%}

  {% set target_relation_exists, target_relation = get_or_create_relation(
          database=none,
          schema=model.schema,
          identifier=target_table,
          type='table') -%}

  {%- if file_format not in ['delta', 'iceberg', 'hudi', 'parquet'] -%}
    {% set invalid_format_msg -%}
      Invalid file format: {{ file_format }}
      Snapshots need file_format 'delta', 'iceberg', 'hudi' (MERGE) or 'parquet' (rewrite, macros/utils/snapshots.sql)
    {%- endset %}
    {% do exceptions.raise_compiler_error(invalid_format_msg) %}
  {% endif %}

  {%- set rewrite_mode = target_relation_exists and not (target_relation.is_delta or target_relation.is_iceberg or target_relation.is_hudi) -%}

  {% if not adapter.check_schema_exists(model.database, model.schema) %}
    {% do create_schema(model.schema) %}
  {% endif %}

  {%- if not target_relation.is_table -%}
    {% do exceptions.relation_wrong_type(target_relation, 'table') %}
  {%- endif -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}

  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% set strategy_macro = strategy_dispatch(strategy_name) %}
  {% set strategy = strategy_macro(model, "snapshotted_data", "source_data", model['config'], target_relation_exists) %}

  {% if not target_relation_exists %}

      {% set build_sql = build_snapshot_table(strategy, model['compiled_code']) %}
      {% set final_sql = create_table_as(False, target_relation, build_sql) %}

  {% else %}

      {% set columns = config.get("snapshot_table_column_names") or get_snapshot_table_column_names() %}

      {{ adapter.valid_snapshot_target(target_relation, columns) }}

      {% set staging_table = spark_build_snapshot_staging_table(strategy, sql, target_relation) %}

      -- this may no-op if the database does not require column expansion
      {% do adapter.expand_target_column_types(from_relation=staging_table,
                                               to_relation=target_relation) %}

      {% set missing_columns = adapter.get_missing_columns(staging_table, target_relation)
                                   | rejectattr('name', 'equalto', 'dbt_change_type')
                                   | rejectattr('name', 'equalto', 'DBT_CHANGE_TYPE')
                                   | rejectattr('name', 'equalto', 'dbt_unique_key')
                                   | rejectattr('name', 'equalto', 'DBT_UNIQUE_KEY')
                                   | list %}

      {% do create_columns(target_relation, missing_columns) %}

      {% if rewrite_mode %}

          {%- set rewrite_relation = api.Relation.create(identifier=target_table ~ '__dbt_rewrite',
                                                         schema=target_relation.schema,
                                                         database=none,
                                                         type='table') -%}
          {% do adapter.drop_relation(rewrite_relation) %}
          {% call statement('build_snapshot_rewrite') %}
              {{ abm_spark_snapshot_rewrite_sql(target_relation, staging_table, rewrite_relation) }}
          {% endcall %}
          {% set final_sql %}
              insert overwrite table {{ target_relation }} select * from {{ rewrite_relation }}
          {% endset %}

      {% else %}

          {% set source_columns = adapter.get_columns_in_relation(staging_table)
                                       | rejectattr('name', 'equalto', 'dbt_change_type')
                                       | rejectattr('name', 'equalto', 'DBT_CHANGE_TYPE')
                                       | rejectattr('name', 'equalto', 'dbt_unique_key')
                                       | rejectattr('name', 'equalto', 'DBT_UNIQUE_KEY')
                                       | list %}

          {% set quoted_source_columns = [] %}
          {% for column in source_columns %}
            {% do quoted_source_columns.append(adapter.quote(column.name)) %}
          {% endfor %}

          {% set final_sql = snapshot_merge_sql(
                target = target_relation,
                source = staging_table,
                insert_cols = quoted_source_columns
             )
          %}

      {% endif %}

  {% endif %}

  {% call statement('main') %}
      {{ final_sql }}
  {% endcall %}

  {% if rewrite_relation is defined %}
      {% do adapter.drop_relation(rewrite_relation) %}
  {% endif %}

  {% set should_revoke = should_revoke(target_relation_exists, full_refresh_mode) %}
  {% do apply_grants(target_relation, grant_config, should_revoke) %}

  {% do persist_docs(target_relation, model) %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}

  {{ adapter.commit() }}

  {% if staging_table is defined %}
      {% do post_snapshot(staging_table) %}
  {% endif %}

  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}
