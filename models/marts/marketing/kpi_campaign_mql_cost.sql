-- cost_per_mql per campaign (catalog C): the campaign's actual cost / the MQLs whose first
-- marketing touch was the campaign. Campaign costs carry no currency in the CRM extract and are
-- taken as already in the reporting currency.

with campaigns as (

    select * from {{ ref('stg_salesforce__campaigns') }}

),

touches as (

    select * from {{ ref('fct_touchpoints') }}
    where person_id is not null

),

funnel as (

    select * from {{ ref('int_person_funnel') }}

),

first_touches as (

    {{ person_first_touches('touches') }}

),

mqls_by_campaign as (

    select
        first_touches.campaign_id,
        count(*) as mqls_first_touched
    from first_touches
    inner join funnel
        on first_touches.person_id = funnel.person_id
    where funnel.mql_at is not null and first_touches.campaign_id is not null
    group by first_touches.campaign_id

),

final as (

    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.campaign_type,
        campaigns.is_abm,
        campaigns.start_date,
        campaigns.actual_cost,
        coalesce(mqls_by_campaign.mqls_first_touched, 0) as mqls_first_touched,
        {{ safe_divide('campaigns.actual_cost', 'mqls_by_campaign.mqls_first_touched') }}
            as cost_per_mql
    from campaigns
    left join mqls_by_campaign
        on campaigns.campaign_id = mqls_by_campaign.campaign_id

)

select * from final
