-- On the committed sample, the generator builds ABM accounts to win more often and bigger
-- deals; the sales mart must show it (over all months, from numerators and denominators).
-- Off when reading the user's own extracts: their data owes us no such direction.
{{ config(enabled=(var('raw_extracts_path', '') | trim == '')) }}

with totals as (

    select
        segment,
        {{ safe_divide('sum(won_deals)', 'sum(won_deals + lost_deals)') }} as win_rate,
        {{ safe_divide('sum(won_amount)', 'sum(won_deals_with_amount)') }} as avg_deal_value
    from {{ ref('kpi_sales_monthly') }}
    where segment in ('ABM', 'non-ABM')
    group by segment

),

compared as (

    select
        abm.win_rate as abm_win_rate,
        non_abm.win_rate as non_abm_win_rate,
        abm.avg_deal_value as abm_avg_deal_value,
        non_abm.avg_deal_value as non_abm_avg_deal_value
    from totals as abm
    cross join totals as non_abm
    where abm.segment = 'ABM' and non_abm.segment = 'non-ABM'

)

select *
from compared
where
    not (abm_win_rate > non_abm_win_rate)
    or not (abm_avg_deal_value > non_abm_avg_deal_value)
