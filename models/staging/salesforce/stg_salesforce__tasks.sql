-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_salesforce__tasks') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as task_id,
        {{ stage_text('who_id') }} as who_id,
        {{ stage_text('what_id') }} as what_id,
        {{ stage_text('account_id') }} as account_id,

        -- strings
        {{ stage_text('type') }} as task_type,
        {{ stage_text('subject') }} as subject,
        {{ stage_text('status') }} as status,

        -- numerics
        {{ stage_integer('call_duration_in_seconds') }} as call_duration_in_seconds,

        -- booleans
        {{ stage_boolean('is_deleted') }} as is_deleted,

        -- dates
        {{ stage_date('activity_date') }} as activity_date,

        -- timestamps
        {{ stage_timestamp('created_date') }} as created_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_unknown_enum('type', ['Call', 'Email', 'Other']) }} as has_unknown_enum,
        coalesce({{ stage_timestamp('created_date') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
