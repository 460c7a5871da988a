-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_salesforce__campaigns') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as campaign_id,
        {{ stage_text('parent_id') }} as parent_id,

        -- strings
        {{ stage_text('name') }} as campaign_name,
        {{ stage_text('type') }} as campaign_type,
        {{ stage_text('status') }} as status,

        -- numerics
        {{ stage_money('budgeted_cost') }} as budgeted_cost,
        {{ stage_money('actual_cost') }} as actual_cost,

        -- booleans
        {{ stage_boolean('is_abm_c') }} as is_abm,

        -- dates
        {{ stage_date('start_date') }} as start_date,
        {{ stage_date('end_date') }} as end_date,

        -- timestamps
        {{ stage_timestamp('created_date') }} as created_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_unknown_enum('type', [
            'Email', 'Webinar', 'Paid Search', 'Paid Social', 'Content Syndication', 'Event',
            'ABM Ads', 'Direct Mail'
        ]) }} as has_unknown_enum,
        coalesce({{ stage_timestamp('created_date') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
