{{ config(materialized='table') }}

-- Every lead and contact record, keyed to its person (normalised e-mail, or the record itself
-- when it has no valid e-mail) and to the account it points at.

with leads as (

    select * from {{ ref('stg_salesforce__leads') }}

),

contacts as (

    select * from {{ ref('stg_salesforce__contacts') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

records as (

    select
        lead_id as record_id,
        'lead' as record_type,
        email,
        created_at,
        lead_source,
        converted_account_id as direct_account_id,
        {{ email_domain('email') }} as email_domain,
        {{ url_domain('website') }} as website_domain
    from leads

    union all

    select
        contact_id as record_id,
        'contact' as record_type,
        email,
        created_at,
        lead_source,
        account_id as direct_account_id,
        {{ email_domain('email') }} as email_domain,
        cast(null as {{ dbt.type_string() }}) as website_domain
    from contacts

),

keyed as (

    select
        *,
        coalesce(email, {{ dbt.concat(['record_type', "':'", 'record_id']) }}) as person_key
    from records

),

final as (

    select
        keyed.record_id,
        keyed.record_type,
        {{ dbt.hash('keyed.person_key') }} as person_id,
        keyed.email,
        keyed.created_at,
        keyed.lead_source,
        keyed.direct_account_id,
        direct_accounts.account_id as existing_direct_account_id,
        keyed.direct_account_id is not null
        and direct_accounts.account_id is null as has_missing_account,
        keyed.email_domain,
        keyed.website_domain
    from keyed
    left join accounts as direct_accounts
        on keyed.direct_account_id = direct_accounts.account_id

)

select * from final
