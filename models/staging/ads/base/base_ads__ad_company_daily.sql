-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- depends_on: {{ ref('ad_company_daily') }}
{{ config(materialized='table') }}

{{ stage_raw_table('ads', 'ad_company_daily') }}
