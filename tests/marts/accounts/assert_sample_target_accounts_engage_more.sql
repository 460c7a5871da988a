-- On the committed sample, the generator makes target (ABM) accounts' people more engaged; the
-- account marts must show it: a higher account engagement rate and a higher MQA rate (over all
-- months, from numerators and denominators), and a higher share of accounts ever MQA.
-- Off when reading the user's own extracts: their data owes us no such direction.
{{ config(enabled=(var('raw_extracts_path', '') | trim == '')) }}

with monthly as (

    select
        segment,
        {{ safe_divide('sum(engaged_accounts)', 'sum(accounts)') }} as account_engagement_rate,
        {{ safe_divide('sum(mqa_accounts)', 'sum(accounts)') }} as mqa_account_rate
    from {{ ref('kpi_abm_monthly') }}
    where segment in ('ABM', 'non-ABM') and abm_tier = 'all'
    group by segment

),

ever_mqa as (

    select
        segment,
        {{ safe_divide('sum(case when mqa_at is not null then 1 else 0 end)', 'count(*)') }}
            as ever_mqa_rate
    from {{ ref('dim_accounts') }}
    group by segment

),

compared as (

    select
        abm.account_engagement_rate as abm_engagement_rate,
        non_abm.account_engagement_rate as non_abm_engagement_rate,
        abm.mqa_account_rate as abm_mqa_rate,
        non_abm.mqa_account_rate as non_abm_mqa_rate,
        abm_ever.ever_mqa_rate as abm_ever_mqa_rate,
        non_abm_ever.ever_mqa_rate as non_abm_ever_mqa_rate
    from monthly as abm
    cross join monthly as non_abm
    cross join ever_mqa as abm_ever
    cross join ever_mqa as non_abm_ever
    where
        abm.segment = 'ABM'
        and non_abm.segment = 'non-ABM'
        and abm_ever.segment = 'ABM'
        and non_abm_ever.segment = 'non-ABM'

)

select *
from compared
where
    not (abm_engagement_rate > non_abm_engagement_rate)
    or not (abm_mqa_rate > non_abm_mqa_rate)
    or not (abm_ever_mqa_rate > non_abm_ever_mqa_rate)
