-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- Every version of a lead record the raw extracts hold: the latest (as in
-- stg_salesforce__leads) and the older ones a newer version superseded, typed the same way.
-- The history models read it (int_account_tier_history, int_lead_status_versions,
-- int_opportunity_versions).

with source as (

    select * from {{ ref('base_salesforce__leads') }}
    where _row_outcome in ('staged', 'superseded')

),

renamed as (

    select

        -- version
        _raw_row_key as record_version_id,
        _row_outcome = 'staged' as is_latest_version,
        -- ids
        {{ stage_text('id') }} as lead_id,
        {{ stage_text('converted_account_id') }} as converted_account_id,
        {{ stage_text('converted_contact_id') }} as converted_contact_id,
        {{ stage_text('converted_opportunity_id') }} as converted_opportunity_id,
        {{ stage_text('owner_id') }} as owner_id,

        -- strings
        {{ stage_email('email') }} as email,
        {{ stage_text('first_name') }} as first_name,
        {{ stage_text('last_name') }} as last_name,
        {{ stage_text('company') }} as company,
        {{ stage_text('website') }} as website,
        {{ stage_text('title') }} as title,
        {{ stage_text('status') }} as status,
        {{ stage_text('lead_source') }} as lead_source,

        -- booleans
        {{ stage_boolean('is_converted') }} as is_converted,
        {{ stage_boolean('is_deleted') }} as is_deleted,

        -- dates
        {{ stage_date('converted_date') }} as converted_date,

        -- timestamps
        {{ stage_timestamp('created_date') }} as created_at,
        {{ stage_timestamp('last_modified_date') }} as last_modified_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_invalid_email('email') }} as has_invalid_email,
        {{ is_unknown_enum('status', [
            'Open', 'Working', 'Nurturing', 'Qualified', 'Unqualified', 'Recycled',
            'Converted'
        ]) }} as has_unknown_enum,
        coalesce({{ stage_timestamp('created_date') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
