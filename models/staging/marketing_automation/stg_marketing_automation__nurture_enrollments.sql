-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_marketing_automation__nurture_enrollments') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as nurture_enrollment_id,

        -- strings
        {{ stage_email('email') }} as email,
        {{ stage_text('program_name') }} as program_name,

        -- timestamps
        {{ stage_timestamp('enrolled_at') }} as enrolled_at,
        {{ stage_timestamp('exited_at') }} as exited_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_invalid_email('email') }} as has_invalid_email,
        coalesce({{ stage_timestamp('enrolled_at') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
