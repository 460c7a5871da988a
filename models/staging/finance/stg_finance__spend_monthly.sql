-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_finance__spend_monthly') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- strings
        {{ stage_text('department') }} as department,
        {{ stage_text('category') }} as category,
        {{ stage_text('channel') }} as channel,
        {{ stage_currency('currency') }} as currency_code,

        -- numerics
        {{ stage_money('amount') }} as amount,

        -- dates
        {{ stage_date('month') }} as spend_month,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_unknown_currency('currency') }} as has_unknown_currency,
        {{ is_unknown_enum('department', ['marketing', 'sales']) }}
        or {{ is_unknown_enum('category', ['programs', 'people', 'tech']) }} as has_unknown_enum,
        coalesce({{ stage_date('month') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
