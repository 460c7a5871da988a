-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- Every version of an opportunity record the raw extracts hold: the latest (as in
-- stg_salesforce__opportunities) and the older ones a newer version superseded, typed the same way.
-- The history models read it (int_account_tier_history, int_lead_status_versions,
-- int_opportunity_versions).

with source as (

    select * from {{ ref('base_salesforce__opportunities') }}
    where _row_outcome in ('staged', 'superseded')

),

renamed as (

    select

        -- version
        _raw_row_key as record_version_id,
        _row_outcome = 'staged' as is_latest_version,
        -- ids
        {{ stage_text('id') }} as opportunity_id,
        {{ stage_text('account_id') }} as account_id,
        {{ stage_text('campaign_id') }} as campaign_id,
        {{ stage_text('owner_id') }} as owner_id,

        -- strings
        {{ stage_text('name') }} as opportunity_name,
        {{ stage_text('type') }} as opportunity_type,
        {{ stage_text('stage_name') }} as stage_name,
        {{ stage_currency('currency_iso_code') }} as currency_code,
        {{ stage_text('lead_source') }} as lead_source,
        {{ stage_text('promo_code_c') }} as promo_code,

        -- numerics
        {{ stage_money('amount') }} as amount,
        {{ stage_decimal('probability') }} as probability,

        -- booleans
        {{ stage_boolean('is_closed') }} as is_closed,
        {{ stage_boolean('is_won') }} as is_won,
        {{ stage_boolean('is_deleted') }} as is_deleted,

        -- dates
        {{ stage_date('close_date') }} as close_date,

        -- timestamps
        {{ stage_timestamp('created_date') }} as created_at,
        {{ stage_timestamp('last_modified_date') }} as last_modified_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_unknown_currency('currency_iso_code') }} as has_unknown_currency,
        {{ is_unknown_enum('type', ['New Business', 'Expansion', 'Renewal']) }} as has_unknown_enum,
        coalesce({{ stage_timestamp('created_date') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
