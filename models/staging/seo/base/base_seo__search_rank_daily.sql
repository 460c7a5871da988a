-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- depends_on: {{ ref('search_rank_daily') }}
{{ config(materialized='table') }}

{{ stage_raw_table('seo', 'search_rank_daily') }}
