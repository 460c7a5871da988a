-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_web__identifies') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('anonymous_id') }} as anonymous_id,

        -- strings
        {{ stage_email('email') }} as email,

        -- timestamps
        {{ stage_timestamp('identified_at') }} as identified_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_invalid_email('email') }} as has_invalid_email,
        coalesce({{ stage_timestamp('identified_at') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
