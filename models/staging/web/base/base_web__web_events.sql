-- Rendered from src/abm_warehouse/contract.py by `abm-warehouse contract --write`.
-- depends_on: {{ ref('web_event') }}
{{ config(materialized='table') }}

{{ stage_raw_table('web', 'web_event') }}
