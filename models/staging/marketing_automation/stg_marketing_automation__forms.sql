-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_marketing_automation__forms') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as form_id,
        {{ stage_text('content_id') }} as content_id,

        -- strings
        {{ stage_text('name') }} as form_name,
        {{ stage_text('form_type') }} as form_type,
        {{ stage_text('page_url') }} as page_url,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_unknown_enum('form_type', [
            'contact', 'demo_request', 'content_download', 'webinar_registration',
            'newsletter'
        ]) }} as has_unknown_enum

    from source

)

select * from renamed
