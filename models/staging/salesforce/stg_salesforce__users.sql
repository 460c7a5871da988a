-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_salesforce__users') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as user_id,

        -- strings
        {{ stage_text('name') }} as user_name,
        {{ stage_text('department') }} as department,

        -- booleans
        {{ stage_boolean('is_active') }} as is_active,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_unknown_enum('department', ['Sales', 'SDR', 'Marketing']) }} as has_unknown_enum

    from source

)

select * from renamed
