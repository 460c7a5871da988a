{#- Off where fct_account_ltv is disabled (Spark: a Python model; macros/utils/engines.sql). -#}
{{ config(enabled=enabled_on_target('fct_account_ltv')) }}

-- fct_account_ltv: LTV and DERL are never negative; an account without an active paid
-- subscription has no residual value; with one active lifetime,
-- ltv_predicted = arpa_per_period × var gross_margin × derl; ltv_historical matches
-- int_account_revenue_history.

with accounts as (

    select * from {{ ref('fct_account_ltv') }}

),

history as (

    select * from {{ ref('int_account_revenue_history') }}

)

select
    accounts.account_id,
    accounts.ltv_predicted,
    accounts.derl,
    accounts.ltv_historical
from accounts
left join history
    on accounts.account_id = history.account_id
where
    accounts.ltv_predicted < 0
    or accounts.derl < 0
    or accounts.ltv_historical < 0
    or (not accounts.is_active_customer and (accounts.ltv_predicted <> 0 or accounts.derl <> 0))
    or (
        accounts.active_lifetimes = 1
        and abs(
            accounts.ltv_predicted
            - accounts.arpa_per_period * {{ var('gross_margin') }} * accounts.derl
        ) > 1e-6 * (1 + abs(accounts.ltv_predicted))
    )
    or abs(accounts.ltv_historical - coalesce(history.ltv_historical, 0)) > 1e-6
