-- Rendered from src/abm_warehouse/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_marketing_automation__email_events') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as email_event_id,
        {{ stage_text('email_campaign_id') }} as email_campaign_id,

        -- strings
        {{ stage_text('type') }} as email_event_type,
        {{ stage_email('recipient') }} as recipient,
        {{ stage_text('url') }} as url,

        -- timestamps
        {{ stage_timestamp('created') }} as occurred_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_invalid_email('recipient') }} as has_invalid_email,
        {{ is_unknown_enum('type', [
            'SENT', 'DELIVERED', 'OPEN', 'CLICK', 'BOUNCE', 'UNSUBSCRIBE', 'SPAMREPORT'
        ]) }} as has_unknown_enum,
        coalesce({{ stage_timestamp('created') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
