{#- What differs between the engines the project builds on (DuckDB, the default, and Spark),
    beyond single SQL functions (those are dispatched where they are used). -#}

{#- Models disabled on the current target, with the reason: Python models (dbt-spark runs
    Python models only on Databricks, not on a local Spark session) and the SQL models that
    read them. Models use `config(enabled=abm_warehouse.enabled_on_target('<name>'))`;
    kpi_monthly leaves them out of its sources. -#}
{% macro models_disabled_on_target() -%}
    {{ return(adapter.dispatch('models_disabled_on_target', 'abm_warehouse')()) }}
{%- endmacro %}

{% macro default__models_disabled_on_target() -%}
    {{ return({}) }}
{%- endmacro %}

{% macro spark__models_disabled_on_target() -%}
    {%- set python_model = 'a Python model: dbt-spark runs Python models only on Databricks' -%}
    {{ return({
        'kpi_cohort_retention': python_model,
        'fct_account_ltv': python_model,
        'kpi_ltv_sbg_fits': python_model,
        'kpi_ltv_survival_curve': python_model,
        'kpi_cac_monthly': 'reads fct_account_ltv (a Python model, disabled on Spark)',
    }) }}
{%- endmacro %}

{% macro enabled_on_target(model_name) -%}
    {{ return(model_name not in models_disabled_on_target()) }}
{%- endmacro %}

{#- Incremental strategy of a model that replaces individual rows by key (rows of one key
    are spread over any partition): DuckDB delete+insert. Spark without Delta has no
    row-level delete or merge, and insert_overwrite of an unpartitioned table would keep only
    the new rows: the model is rebuilt as a table there (exact, not incremental). -#}
{% macro incremental_by_key_config(key) -%}
    {{ return(adapter.dispatch('incremental_by_key_config', 'abm_warehouse')(key)) }}
{%- endmacro %}

{% macro default__incremental_by_key_config(key) -%}
    {{ return({'materialized': 'incremental', 'incremental_strategy': 'delete+insert', 'unique_key': key}) }}
{%- endmacro %}

{% macro spark__incremental_by_key_config(key) -%}
    {{ return({'materialized': 'table', 'file_format': 'parquet'}) }}
{%- endmacro %}

{#- A model restaged by a partition key (strategy: macros/utils/restage.sql): a run's rows
    carry `_row_outcome`; every key among them is deleted, then the 'staged' rows inserted, so a
    key whose rows went away leaves (a row of another outcome only deletes its key). The staged
    models of the append-only event tables (restaged from the rows their incremental base model
    rewrote) and the session, page-view, send and signal models (restaged by visitor,
    recipient or source). Spark without Delta (no row-level delete): a plain table, rebuilt
    each run. -#}
{% macro restage_by_key_config(key) -%}
    {{ return(adapter.dispatch('restage_by_key_config', 'abm_warehouse')(key)) }}
{%- endmacro %}

{% macro default__restage_by_key_config(key) -%}
    {#- on_schema_change fail (dbt requires fail or append_new_columns of a contracted
        incremental model): the restage strategy checks the columns itself, expecting the
        run's extra `_row_outcome` column, and fails on any other change
        (macros/utils/restage.sql) -#}
    {{ return({'materialized': 'incremental', 'incremental_strategy': 'restage', 'unique_key': key,
               'on_schema_change': 'fail'}) }}
{%- endmacro %}

{% macro spark__restage_by_key_config(key) -%}
    {{ return({'materialized': 'table', 'file_format': 'parquet'}) }}
{%- endmacro %}

{#- The staged models of the append-only event tables (rendered from the contract). -#}
{% macro staged_events_config(key) -%}
    {{ return(restage_by_key_config(key)) }}
{%- endmacro %}
