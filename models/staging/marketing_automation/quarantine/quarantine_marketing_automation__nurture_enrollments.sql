-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with base as (

    select * from {{ ref('base_marketing_automation__nurture_enrollments') }}

),

quarantined as (

    select *
    from base
    where _row_outcome = 'quarantined'

)

select * from quarantined
