-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_salesforce__opportunity_contact_roles') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as opportunity_contact_role_id,
        {{ stage_text('opportunity_id') }} as opportunity_id,
        {{ stage_text('contact_id') }} as contact_id,

        -- strings
        {{ stage_text('role') }} as role,

        -- booleans
        {{ stage_boolean('is_primary') }} as is_primary,

        -- timestamps
        {{ stage_timestamp('created_date') }} as created_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        coalesce({{ stage_timestamp('created_date') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
