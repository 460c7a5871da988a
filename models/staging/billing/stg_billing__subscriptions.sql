-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_billing__subscriptions') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as subscription_id,
        {{ stage_text('account_id') }} as account_id,

        -- strings
        {{ stage_text('plan') }} as plan,
        {{ stage_text('billing_interval') }} as billing_interval,
        {{ stage_currency('currency') }} as currency_code,
        {{ stage_text('status') }} as status,

        -- numerics
        {{ stage_integer('quantity') }} as quantity,
        {{ stage_money('unit_amount') }} as unit_amount,

        -- timestamps
        {{ stage_timestamp('started_at') }} as started_at,
        {{ stage_timestamp('canceled_at') }} as canceled_at,
        {{ stage_timestamp('ended_at') }} as ended_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_unknown_currency('currency') }} as has_unknown_currency,
        {{ is_unknown_enum('billing_interval', ['month', 'year']) }} as has_unknown_enum,
        coalesce({{ stage_timestamp('started_at') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
