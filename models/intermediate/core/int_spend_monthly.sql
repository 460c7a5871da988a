{{ config(materialized='table') }}

-- Spend rows in the reporting currency, converted at the rate in force on the spend month's
-- first day. A row whose currency has no rate keeps a NULL converted amount and a flag.

with spend as (

    select * from {{ ref('stg_finance__spend_monthly') }}

),

rates as (

    select * from {{ ref('int_currency_rates') }}

),

final as (

    select
        spend.spend_month,
        spend.department,
        spend.category,
        spend.channel,
        spend.currency_code,
        spend.has_unknown_currency,
        spend.amount,
        rates.to_reporting_rate,
        spend.amount * rates.to_reporting_rate as amount_reporting,
        rates.to_reporting_rate is null as is_unconverted
    from spend
    left join rates
        on
            spend.currency_code = rates.currency_code
            and spend.spend_month >= rates.valid_from
            and spend.spend_month < rates.valid_to

)

select * from final
