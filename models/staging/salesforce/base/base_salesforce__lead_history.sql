-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- depends_on: {{ ref('lead_history') }}
{{ config(materialized='table') }}

{{ stage_raw_table('salesforce', 'lead_history') }}
