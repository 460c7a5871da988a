-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- depends_on: {{ ref('lead_score_change') }}
{{ config(materialized='table') }}

{{ stage_raw_table('marketing_automation', 'lead_score_change') }}
