-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- depends_on: {{ ref('email_event') }}
{{ config(**incremental_by_key_config('_raw_row_key')) }}

{{ stage_raw_table('marketing_automation', 'email_event', stamp_rows=true) }}
