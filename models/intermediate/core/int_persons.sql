{{ config(materialized='table') }}

-- A person's account: the contact's account; for a lead, its converted account, else the
-- account whose website domain equals the lead's e-mail or website domain; else none.

with records as (

    select * from {{ ref('int_person_records') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

accounts_by_domain as (

    select * from {{ ref('int_account_domains') }}

),

account_candidates as (

    -- priority 1: a contact's account; 2: a lead's converted account
    select
        person_id,
        existing_direct_account_id as account_id,
        case when record_type = 'contact' then 1 else 2 end as match_priority,
        case when record_type = 'contact' then 'contact' else 'converted_lead' end as match_method,
        created_at
    from records
    where existing_direct_account_id is not null

    union all

    -- priority 3 / 4: a lead's e-mail domain, then its website domain
    select
        records.person_id,
        accounts_by_domain.account_id,
        3 as match_priority,
        'email_domain' as match_method,
        records.created_at
    from records
    inner join accounts_by_domain
        on records.email_domain = accounts_by_domain.account_domain
    where records.record_type = 'lead'

    union all

    select
        records.person_id,
        accounts_by_domain.account_id,
        4 as match_priority,
        'website_domain' as match_method,
        records.created_at
    from records
    inner join accounts_by_domain
        on records.website_domain = accounts_by_domain.account_domain
    where records.record_type = 'lead'

),

best_account as (

    select
        person_id,
        account_id,
        match_method
    from (
        select
            person_id,
            account_id,
            match_method,
            row_number() over (
                partition by person_id
                order by match_priority asc, created_at desc, account_id asc
            ) as candidate_rank
        from account_candidates
    ) as ranked
    where candidate_rank = 1

),

first_record as (

    select
        person_id,
        record_id,
        record_type,
        lead_source
    from (
        select
            person_id,
            record_id,
            record_type,
            lead_source,
            row_number() over (
                partition by person_id order by created_at, record_type, record_id
            ) as record_rank
        from records
    ) as ranked
    where record_rank = 1

),

rolled_up as (

    select
        person_id,
        max(email) as email,
        min(created_at) as created_at,
        sum(case when record_type = 'lead' then 1 else 0 end) as n_lead_records,
        sum(case when record_type = 'contact' then 1 else 0 end) as n_contact_records,
        max(case when has_missing_account then 1 else 0 end) = 1 as has_missing_account
    from records
    group by person_id

),

final as (

    select
        rolled_up.person_id,
        rolled_up.email,
        rolled_up.created_at,
        first_record.record_id as first_record_id,
        first_record.record_type as first_record_type,
        first_record.lead_source,
        rolled_up.n_lead_records,
        rolled_up.n_contact_records,
        best_account.account_id,
        best_account.match_method as account_match_method,
        rolled_up.has_missing_account,
        accounts.abm_tier,
        coalesce(accounts.segment, 'non-ABM') as segment
    from rolled_up
    inner join first_record
        on rolled_up.person_id = first_record.person_id
    left join best_account
        on rolled_up.person_id = best_account.person_id
    left join accounts
        on best_account.account_id = accounts.account_id

)

select * from final
