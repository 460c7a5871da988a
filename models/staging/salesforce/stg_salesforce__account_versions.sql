-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- Every version of an account record the raw extracts hold: the latest (as in
-- stg_salesforce__accounts) and the older ones a newer version superseded, typed the same way.
-- The history models read it (int_account_tier_history, int_lead_status_versions,
-- int_opportunity_versions).

with source as (

    select * from {{ ref('base_salesforce__accounts') }}
    where _row_outcome in ('staged', 'superseded')

),

renamed as (

    select

        -- version
        _raw_row_key as record_version_id,
        _row_outcome = 'staged' as is_latest_version,
        -- ids
        {{ stage_text('id') }} as account_id,
        {{ stage_text('owner_id') }} as owner_id,
        {{ stage_text('parent_id') }} as parent_id,

        -- strings
        {{ stage_text('name') }} as account_name,
        {{ stage_text('website') }} as website,
        {{ stage_text('industry') }} as industry,
        {{ stage_text('billing_country') }} as billing_country,
        {{ stage_text('type') }} as account_type,
        {{ stage_text('abm_tier_c') }} as abm_tier,

        -- numerics
        {{ stage_integer('number_of_employees') }} as number_of_employees,
        {{ stage_money('annual_revenue') }} as annual_revenue,

        -- booleans
        {{ stage_boolean('is_deleted') }} as is_deleted,

        -- timestamps
        {{ stage_timestamp('created_date') }} as created_at,
        {{ stage_timestamp('last_modified_date') }} as last_modified_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_unknown_enum('abm_tier_c', ['Tier 1', 'Tier 2', 'Tier 3']) }} as has_unknown_enum,
        coalesce({{ stage_timestamp('created_date') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
