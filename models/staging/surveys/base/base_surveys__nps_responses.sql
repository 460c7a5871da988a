-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- depends_on: {{ ref('nps_response') }}
{{ config(materialized='table') }}

{{ stage_raw_table('surveys', 'nps_response') }}
