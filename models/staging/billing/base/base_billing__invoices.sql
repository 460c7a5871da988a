-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- depends_on: {{ ref('invoice') }}
{{ config(materialized='table') }}

{{ stage_raw_table('billing', 'invoice') }}
