-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_salesforce__dated_conversion_rates') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as dated_conversion_rate_id,

        -- strings
        {{ stage_currency('iso_code') }} as currency_code,

        -- numerics
        {{ stage_decimal('conversion_rate') }} as conversion_rate,

        -- dates
        {{ stage_date('start_date') }} as start_date,
        {{ stage_date('next_start_date') }} as next_start_date,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_unknown_currency('iso_code') }} as has_unknown_currency,
        coalesce({{ stage_date('start_date') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
