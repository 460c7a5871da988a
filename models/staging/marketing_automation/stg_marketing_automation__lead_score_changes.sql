-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_marketing_automation__lead_score_changes') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as lead_score_change_id,

        -- strings
        {{ stage_email('email') }} as email,
        {{ stage_text('reason') }} as reason,

        -- numerics
        {{ stage_integer('score_delta') }} as score_delta,

        -- timestamps
        {{ stage_timestamp('changed_at') }} as changed_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_invalid_email('email') }} as has_invalid_email,
        coalesce({{ stage_timestamp('changed_at') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
