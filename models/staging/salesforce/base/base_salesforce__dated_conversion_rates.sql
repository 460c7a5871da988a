-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- depends_on: {{ ref('dated_conversion_rate') }}
{{ config(materialized='table') }}

{{ stage_raw_table('salesforce', 'dated_conversion_rate') }}
