-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_marketing_automation__email_campaigns') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as email_campaign_id,
        {{ stage_text('campaign_id') }} as campaign_id,

        -- strings
        {{ stage_text('name') }} as email_campaign_name,
        {{ stage_text('subject') }} as subject,
        {{ stage_text('program') }} as program,

        -- timestamps
        {{ stage_timestamp('sent_at') }} as sent_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_unknown_enum('program', ['newsletter', 'nurture', 'abm', 'product']) }} as has_unknown_enum,
        coalesce({{ stage_timestamp('sent_at') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
