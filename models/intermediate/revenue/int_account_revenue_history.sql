{{ config(materialized='table') }}

-- Historical revenue and LTV per account (catalog G, ltv_historical): invoices' amount_paid
-- by paid_at up to the as-of date, converted to the reporting currency at the rate of the
-- payment day. fct_account_ltv (a Python model) reads this table.

with invoices as (

    select * from {{ ref('stg_billing__invoices') }}

),

rates as (

    select * from {{ ref('int_currency_rates') }}

),

payments as (

    select
        invoices.invoice_id,
        invoices.account_id,
        invoices.paid_at,
        invoices.amount_paid,
        invoices.amount_paid * rates.to_reporting_rate as amount_paid_reporting
    from invoices
    left join rates
        on
            invoices.currency_code = rates.currency_code
            and cast(invoices.paid_at as date) >= rates.valid_from
            and cast(invoices.paid_at as date) < rates.valid_to
    where
        invoices.paid_at < {{ as_of_end() }}
        and invoices.amount_paid > 0
        and invoices.account_id is not null

),

final as (

    select
        account_id,
        count(*) as paid_invoices,
        min(paid_at) as first_paid_at,
        max(paid_at) as last_paid_at,
        coalesce(sum(amount_paid_reporting), 0) as revenue_to_date,
        sum(case when amount_paid_reporting is null then 1 else 0 end) as unconverted_payments,
        coalesce(sum(amount_paid_reporting), 0) * {{ var('gross_margin') }} as ltv_historical
    from payments
    group by account_id

)

select * from final
