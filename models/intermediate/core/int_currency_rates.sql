{{ config(materialized='table') }}

-- Periods in which both a currency's rate and the reporting currency's rate are constant:
-- an amount in `currency_code` dated inside [valid_from, valid_to) is converted to the
-- reporting currency by multiplying with `to_reporting_rate`. Rates are units per 1 USD.

with rates as (

    select * from {{ ref('stg_salesforce__dated_conversion_rates') }}
    where not has_unknown_currency

),

periods as (

    select
        currency_code,
        conversion_rate as units_per_usd,
        start_date as valid_from,
        coalesce(next_start_date, cast('9999-12-31' as date)) as valid_to
    from rates

),

reporting as (

    select * from periods
    where currency_code = '{{ var("reporting_currency") }}'

),

intersected as (

    select
        periods.currency_code,
        case
            when periods.valid_from > reporting.valid_from then periods.valid_from
            else reporting.valid_from
        end as valid_from,
        case
            when periods.valid_to < reporting.valid_to then periods.valid_to
            else reporting.valid_to
        end as valid_to,
        periods.units_per_usd,
        reporting.units_per_usd as reporting_units_per_usd
    from periods
    inner join reporting
        on
            periods.valid_from < reporting.valid_to
            and periods.valid_to > reporting.valid_from

),

final as (

    select
        currency_code,
        valid_from,
        valid_to,
        units_per_usd,
        reporting_units_per_usd,
        round(cast(reporting_units_per_usd as double) / units_per_usd, 12) as to_reporting_rate
    from intersected
    where valid_from < valid_to

)

select * from final
