{{ config(materialized='table') }}

-- The account of each web domain, for lead-to-account and reverse-IP matching: when several
-- accounts share a domain, the earliest created one (then the lowest id) owns it.

with accounts as (

    select * from {{ ref('int_accounts') }}
    where account_domain is not null

),

ranked as (

    select
        account_domain,
        account_id,
        row_number() over (
            partition by account_domain order by created_at, account_id
        ) as domain_rank
    from accounts

)

select
    account_domain,
    account_id
from ranked
where domain_rank = 1
