{{ config(materialized='table') }}

with accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

final as (

    select
        account_id,
        account_name,
        {{ url_domain('website') }} as account_domain,
        industry,
        number_of_employees,
        annual_revenue,
        billing_country,
        account_type,
        owner_id,
        parent_id,
        abm_tier,
        abm_tier is not null as is_target_account,
        {{ abm_segment('abm_tier') }} as segment,
        created_at
    from accounts

)

select * from final
