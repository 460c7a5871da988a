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

identity as (

    -- Money already in the reporting currency needs no rate: when the extracts have no rate
    -- at all for it (no dated_conversion_rate table, e.g. billing extracts without the CRM),
    -- it converts at 1 for all time rather than becoming NULL.
    select
        '{{ var("reporting_currency") }}' as currency_code,
        cast('0001-01-01' as date) as valid_from,
        cast('9999-12-31' as date) as valid_to,
        cast(1 as double) as units_per_usd,
        cast(1 as double) as reporting_units_per_usd
    where not exists (select reporting.currency_code from reporting)

),

periods_and_identity as (

    select
        currency_code,
        valid_from,
        valid_to,
        units_per_usd,
        reporting_units_per_usd
    from intersected

    union all

    select
        currency_code,
        valid_from,
        valid_to,
        units_per_usd,
        reporting_units_per_usd
    from identity

),

final as (

    select
        currency_code,
        valid_from,
        valid_to,
        units_per_usd,
        reporting_units_per_usd,
        round(cast(reporting_units_per_usd as double) / units_per_usd, 12) as to_reporting_rate
    from periods_and_identity
    where valid_from < valid_to

)

select * from final
