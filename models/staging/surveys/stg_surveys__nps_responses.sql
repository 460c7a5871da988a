-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_surveys__nps_responses') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as nps_response_id,

        -- strings
        {{ stage_email('email') }} as email,
        {{ stage_text('comment') }} as comment,

        -- numerics
        {{ stage_integer('score') }} as score,

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
