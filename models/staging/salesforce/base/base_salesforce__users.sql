-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- depends_on: {{ ref('user') }}
{{ config(materialized='table') }}

{{ stage_raw_table('salesforce', 'user') }}
