-- fct_opportunities' marketing columns agree with fct_attribution, row by row: an opportunity
-- of fct_attribution has is_marketing_influenced set, and its first / last touch channel and
-- campaign are those of the first_touch / last_touch model's row ('unattributed' and no
-- campaign without a touch); an opportunity not in fct_attribution (created after
-- as_of_date) has NULL marketing columns. Returns the opportunities that disagree.

with opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

attribution as (

    select * from {{ ref('fct_attribution') }}
    where attribution_model in ('first_touch', 'last_touch')

),

touches as (

    select
        opportunity_id,
        max(case when attribution_model = 'first_touch' then channel end) as first_touch_channel,
        max(case when attribution_model = 'first_touch' then campaign_id end)
            as first_touch_campaign_id,
        max(case when attribution_model = 'last_touch' then channel end) as last_touch_channel,
        max(case when attribution_model = 'last_touch' then campaign_id end)
            as last_touch_campaign_id
    from attribution
    group by opportunity_id

),

compared as (

    select
        opportunities.opportunity_id,
        touches.opportunity_id is not null as is_attributed_opportunity,
        opportunities.is_marketing_influenced,
        opportunities.first_touch_channel,
        touches.first_touch_channel as attribution_first_touch_channel,
        opportunities.first_touch_campaign_id,
        touches.first_touch_campaign_id as attribution_first_touch_campaign_id,
        opportunities.last_touch_channel,
        touches.last_touch_channel as attribution_last_touch_channel,
        opportunities.last_touch_campaign_id,
        touches.last_touch_campaign_id as attribution_last_touch_campaign_id
    from opportunities
    left join touches
        on opportunities.opportunity_id = touches.opportunity_id

)

select * from compared
where
    (is_attributed_opportunity and is_marketing_influenced is null)
    or (not is_attributed_opportunity and is_marketing_influenced is not null)
    or first_touch_channel is distinct from attribution_first_touch_channel
    or first_touch_campaign_id is distinct from attribution_first_touch_campaign_id
    or last_touch_channel is distinct from attribution_last_touch_channel
    or last_touch_campaign_id is distinct from attribution_last_touch_campaign_id
