-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
{#- ISO 4217 codes the warehouse knows; others are flagged. -#}
{% macro known_currencies() -%}
    ('AUD', 'BRL', 'CAD', 'CHF', 'CNY', 'DKK', 'EUR', 'GBP', 'HKD', 'INR', 'JPY', 'KRW', 'MXN', 'NOK', 'NZD', 'PLN', 'SEK', 'SGD', 'USD', 'ZAR')
{%- endmacro %}
