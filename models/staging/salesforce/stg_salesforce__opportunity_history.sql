-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_salesforce__opportunity_history') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as opportunity_history_id,
        {{ stage_text('opportunity_id') }} as opportunity_id,

        -- strings
        {{ stage_text('stage_name') }} as stage_name,

        -- numerics
        {{ stage_money('amount') }} as amount,
        {{ stage_decimal('probability') }} as probability,

        -- dates
        {{ stage_date('close_date') }} as close_date,

        -- timestamps
        {{ stage_timestamp('created_date') }} as created_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        coalesce({{ stage_timestamp('created_date') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
