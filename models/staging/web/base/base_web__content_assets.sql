-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- depends_on: {{ ref('content_asset') }}
{{ config(materialized='table') }}

{{ stage_raw_table('web', 'content_asset') }}
