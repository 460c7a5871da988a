-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_salesforce__campaign_members') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as campaign_member_id,
        {{ stage_text('campaign_id') }} as campaign_id,
        {{ stage_text('lead_id') }} as lead_id,
        {{ stage_text('contact_id') }} as contact_id,

        -- strings
        {{ stage_text('status') }} as status,

        -- booleans
        {{ stage_boolean('has_responded') }} as has_responded,

        -- dates
        {{ stage_date('first_responded_date') }} as first_responded_date,

        -- timestamps
        {{ stage_timestamp('created_date') }} as created_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_unknown_enum('status', ['Sent', 'Responded', 'Registered', 'Attended']) }} as has_unknown_enum,
        coalesce({{ stage_timestamp('created_date') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
