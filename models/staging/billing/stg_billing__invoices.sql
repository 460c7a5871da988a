-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_billing__invoices') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('id') }} as invoice_id,
        {{ stage_text('account_id') }} as account_id,
        {{ stage_text('subscription_id') }} as subscription_id,

        -- strings
        {{ stage_currency('currency') }} as currency_code,
        {{ stage_text('status') }} as status,

        -- numerics
        {{ stage_money('amount_due') }} as amount_due,
        {{ stage_money('amount_paid') }} as amount_paid,

        -- timestamps
        {{ stage_timestamp('period_start') }} as period_start_at,
        {{ stage_timestamp('period_end') }} as period_end_at,
        {{ stage_timestamp('paid_at') }} as paid_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_unknown_currency('currency') }} as has_unknown_currency,
        {{ is_unknown_enum('status', ['paid', 'open', 'void', 'uncollectible']) }} as has_unknown_enum

    from source

)

select * from renamed
