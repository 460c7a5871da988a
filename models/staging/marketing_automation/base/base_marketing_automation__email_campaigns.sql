-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- depends_on: {{ ref('email_campaign') }}
{{ config(materialized='table') }}

{{ stage_raw_table('marketing_automation', 'email_campaign') }}
