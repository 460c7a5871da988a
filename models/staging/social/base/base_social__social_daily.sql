-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- depends_on: {{ ref('social_daily') }}
{{ config(materialized='table') }}

{{ stage_raw_table('social', 'social_daily') }}
