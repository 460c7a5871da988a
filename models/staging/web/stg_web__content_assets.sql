-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_web__content_assets') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as content_asset_id,

        -- strings
        {{ stage_text('title') }} as title,
        {{ stage_text('asset_type') }} as asset_type,
        {{ stage_text('topic') }} as topic,
        {{ stage_text('url') }} as url,

        -- timestamps
        {{ stage_timestamp('published_at') }} as published_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_unknown_enum('asset_type', [
            'blog', 'ebook', 'webinar', 'case_study', 'landing_page'
        ]) }} as has_unknown_enum

    from source

)

select * from renamed
