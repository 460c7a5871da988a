-- Multi-touch attribution (catalog F): for every opportunity and model, the weight of each
-- touch in the window before creation (int_opportunity_touches). Shares of a position
-- without a touch are redistributed to the present positions in proportion to their shares:
-- weight = (shares the touch holds) / (sum of the shares of the present positions). An
-- opportunity without a touch has one unattributed row per model (weight 1, channel
-- 'unattributed'), so attributed amounts add up to the whole pipeline and revenue. Weights
-- are rounded to 12 decimals (they sum to 1 within 1e-11).

with opportunities as (

    select * from {{ ref('int_opportunities') }}
    where created_at < {{ as_of_end() }}

),

touches as (

    select
        *,
        not(is_first_touch or is_last_touch) as is_u_middle,
        not(is_first_touch or is_last_touch or is_lead_creation_touch) as is_w_middle,
        -- in double (Spark would divide the decimal -1.0 * days with a rounded scale)
        power(
            2.0, -1.0 * cast(days_before_creation as double) / {{ var('time_decay_half_life_days') }}
        ) as decay_factor
    from {{ ref('int_opportunity_touches') }}

),

touch_sets as (

    select
        *,
        sum(case when is_u_middle then 1 else 0 end) over (partition by opportunity_id)
            as n_u_middle,
        sum(case when is_w_middle then 1 else 0 end) over (partition by opportunity_id)
            as n_w_middle,
        sum(decay_factor) over (partition by opportunity_id) as total_decay
    from touches

),

raw_weights as (

    select
        *,
        case when is_first_touch then 1.0 else 0.0 end as w_first_touch,
        case when is_last_touch then 1.0 else 0.0 end as w_last_touch,
        1.0 / n_touches as w_linear,
        (
            case when is_first_touch then 0.4 else 0.0 end
            + case when is_last_touch then 0.4 else 0.0 end
            + case when is_u_middle then 0.2 / n_u_middle else 0.0 end
        ) / (0.8 + case when n_u_middle > 0 then 0.2 else 0.0 end) as w_u_shaped,
        (
            case when is_first_touch then 0.3 else 0.0 end
            + case when is_lead_creation_touch then 0.3 else 0.0 end
            + case when is_last_touch then 0.3 else 0.0 end
            + case when is_w_middle then 0.1 / n_w_middle else 0.0 end
        ) / (0.9 + case when n_w_middle > 0 then 0.1 else 0.0 end) as w_w_shaped,
        decay_factor / total_decay as w_time_decay
    from touch_sets

),

attribution_models as (

    select 'first_touch' as attribution_model
    union all
    select 'last_touch' as attribution_model
    union all
    select 'linear' as attribution_model
    union all
    select 'u_shaped' as attribution_model
    union all
    select 'w_shaped' as attribution_model
    union all
    select 'time_decay' as attribution_model

),

model_weights as (

    select
        raw_weights.opportunity_id,
        attribution_models.attribution_model,
        raw_weights.touch_id,
        raw_weights.touch_type,
        raw_weights.touched_at,
        raw_weights.channel,
        raw_weights.campaign_id,
        raw_weights.touch_rank,
        raw_weights.n_touches,
        raw_weights.is_first_touch,
        raw_weights.is_lead_creation_touch,
        raw_weights.is_last_touch,
        raw_weights.days_before_creation,
        round(
            case attribution_models.attribution_model
                when 'first_touch' then raw_weights.w_first_touch
                when 'last_touch' then raw_weights.w_last_touch
                when 'linear' then raw_weights.w_linear
                when 'u_shaped' then raw_weights.w_u_shaped
                when 'w_shaped' then raw_weights.w_w_shaped
                when 'time_decay' then raw_weights.w_time_decay
            end,
            12
        ) as attribution_weight
    from raw_weights
    cross join attribution_models

),

weighted as (

    select * from model_weights
    where attribution_weight > 0

),

touched_opportunities as (

    select distinct opportunity_id from touches

),

unattributed as (

    select
        opportunities.opportunity_id,
        attribution_models.attribution_model
    from opportunities
    cross join attribution_models
    left join touched_opportunities
        on opportunities.opportunity_id = touched_opportunities.opportunity_id
    where touched_opportunities.opportunity_id is null

),

all_rows as (

    select
        *,
        true as is_attributed
    from weighted
    union all
    select
        opportunity_id,
        attribution_model,
        cast(null as {{ dbt.type_string() }}) as touch_id,
        cast(null as {{ dbt.type_string() }}) as touch_type,
        cast(null as {{ dbt.type_timestamp() }}) as touched_at,
        'unattributed' as channel,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        cast(null as {{ dbt.type_int() }}) as touch_rank,
        0 as n_touches,
        false as is_first_touch,
        false as is_lead_creation_touch,
        false as is_last_touch,
        cast(null as {{ dbt.type_float() }}) as days_before_creation,
        1.0 as attribution_weight,
        false as is_attributed
    from unattributed

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            'all_rows.opportunity_id', "'#'", 'all_rows.attribution_model', "'#'",
            "coalesce(all_rows.touch_id, 'none')"
        ])) }} as attribution_id,
        all_rows.opportunity_id,
        all_rows.attribution_model,
        all_rows.is_attributed,
        all_rows.touch_id,
        all_rows.touch_type,
        all_rows.touched_at,
        coalesce(all_rows.channel, 'unknown') as channel,
        all_rows.campaign_id,
        all_rows.touch_rank,
        all_rows.n_touches,
        all_rows.is_first_touch,
        all_rows.is_lead_creation_touch,
        all_rows.is_last_touch,
        all_rows.days_before_creation,
        all_rows.attribution_weight,
        opportunities.account_id,
        opportunities.segment,
        opportunities.created_at as opportunity_created_at,
        opportunities.created_month,
        opportunities.close_month,
        opportunities.is_won,
        opportunities.amount_reporting as opportunity_amount,
        all_rows.attribution_weight * opportunities.amount_reporting as attributed_pipeline,
        case
            when opportunities.is_won
                then all_rows.attribution_weight * opportunities.amount_reporting
            else 0
        end as attributed_revenue
    from all_rows
    inner join opportunities
        on all_rows.opportunity_id = opportunities.opportunity_id

)

select * from final
