-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- depends_on: {{ ref('identify') }}
{{ config(materialized='table') }}

{{ stage_raw_table('web', 'identify') }}
