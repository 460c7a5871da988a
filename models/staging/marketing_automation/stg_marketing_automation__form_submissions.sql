-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_marketing_automation__form_submissions') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as form_submission_id,
        {{ stage_text('form_id') }} as form_id,
        {{ stage_text('anonymous_id') }} as anonymous_id,

        -- strings
        {{ stage_email('email') }} as email,
        {{ stage_text('page_url') }} as page_url,
        {{ stage_text('utm_source') }} as utm_source,
        {{ stage_text('utm_medium') }} as utm_medium,
        {{ stage_text('utm_campaign') }} as utm_campaign,

        -- timestamps
        {{ stage_timestamp('submitted_at') }} as submitted_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_invalid_email('email') }} as has_invalid_email,
        coalesce({{ stage_timestamp('submitted_at') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
