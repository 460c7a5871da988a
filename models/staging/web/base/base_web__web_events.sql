-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- depends_on: {{ ref('web_event') }}
{{ config(**incremental_by_key_config('_raw_row_key')) }}

{{ stage_raw_table('web', 'web_event', stamp_rows=true) }}
