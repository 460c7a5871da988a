-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- depends_on: {{ ref('spend_monthly') }}
{{ config(materialized='table') }}

{{ stage_raw_table('finance', 'spend_monthly') }}
