-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_salesforce__lead_history') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as lead_history_id,
        {{ stage_text('lead_id') }} as lead_id,

        -- strings
        {{ stage_text('field') }} as field,
        {{ stage_text('old_value') }} as old_value,
        {{ stage_text('new_value') }} as new_value,

        -- timestamps
        {{ stage_timestamp('created_date') }} as created_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        coalesce({{ stage_timestamp('created_date') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
