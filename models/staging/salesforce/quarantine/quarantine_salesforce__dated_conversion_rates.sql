-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with base as (

    select * from {{ ref('base_salesforce__dated_conversion_rates') }}

),

quarantined as (

    select *
    from base
    where _row_outcome = 'quarantined'

)

select * from quarantined
