-- Monthly pipeline waterfall, one row per month and segment. The pipeline of month M is
-- the open opportunities whose close date is on or before M's last day (overdue included);
-- each opportunity's states at M's opening instant (M's first day 00:00) and closing instant
-- (the next month's first instant, or the end of the as-of date) come from
-- int_opportunity_versions, so a closed month only reads history before its own end.
-- Per opportunity:
--   in_opening = open at the opening and due by M's end; in_closing = the same at the closing;
--   closed_in_month = closed at the closing, not closed (or not existing) at the opening;
--   enters = not in_opening and (in_closing or closed_in_month): created (did not exist at
--     the opening), pulled_in (was open, due after M), reopened (was closed);
--   leaves = (in_opening or enters) and not in_closing: won, lost, or slipped (still open,
--     close date pushed after M);
--   entering and leaving amounts = the closing state's amount (a deal won in the month counts
--     at its won amount); amount_change = closing amount − opening amount of the opportunities
--     in the opening pipeline (including currency-rate moves).
-- So opening + created + pulled_in + reopened − won − lost − slipped + amount_change = closing,
-- for amounts (amount_change is 0 for counts). Opening amounts use the rate of the day before
-- M, closing ones the rate of the closing day (the rows of fct_pipeline_daily on those days).

with months as (

    select * from {{ ref('int_months') }}

),

grid as (

    select * from {{ ref('int_month_segments') }}

),

segments as (

    {{ reporting_segments() }}

),

versions as (

    select * from {{ ref('int_opportunity_versions') }}

),

opportunities as (

    select * from {{ ref('int_opportunities') }}

),

tiers as (

    select * from {{ ref('int_account_tier_history') }}

),

rates as (

    select * from {{ ref('int_currency_rates') }}

),

bounds as (

    select
        metric_month,
        next_month,
        cast(metric_month as timestamp) as opening_at,
        case
            when month_end_exclusive < {{ as_of_end() }} then month_end_exclusive
            else {{ as_of_end() }}
        end as closing_at,
        cast({{ dbt.dateadd('day', -1, 'metric_month') }} as date) as opening_rate_date
    from months

),

states as (

    select
        bounds.metric_month,
        bounds.next_month,
        bounds.opening_at,
        bounds.closing_at,
        bounds.opening_rate_date,
        cast({{ dbt.dateadd('day', -1, 'bounds.closing_at') }} as date) as closing_rate_date,
        versions.opportunity_id,
        versions.valid_from,
        versions.valid_to,
        versions.is_closed,
        versions.is_won,
        versions.amount,
        versions.close_date
    from bounds
    inner join versions
        on
            bounds.closing_at > versions.valid_from
            and (versions.valid_to is null or bounds.opening_at <= versions.valid_to)

),

opening_states as (

    select *
    from states
    where valid_from < opening_at and (valid_to is null or valid_to >= opening_at)

),

closing_states as (

    select *
    from states
    where valid_to is null or valid_to >= closing_at

),

paired as (

    select
        closing_states.metric_month,
        closing_states.opportunity_id,
        opening_states.opportunity_id is not null as existed_at_opening,
        coalesce(opening_states.is_closed, false) as was_closed_at_opening,
        coalesce(
            not opening_states.is_closed and opening_states.close_date < opening_states.next_month,
            false
        ) as in_opening,
        not closing_states.is_closed and closing_states.close_date < closing_states.next_month
            as in_closing,
        closing_states.is_closed and not coalesce(opening_states.is_closed, false)
            as closed_in_month,
        closing_states.is_closed,
        closing_states.is_won,
        coalesce(opening_states.amount * opening_rates.to_reporting_rate, 0) as opening_amount,
        coalesce(closing_states.amount * closing_rates.to_reporting_rate, 0) as closing_amount,
        coalesce(opportunities.segment, 'non-ABM') as segment_current,
        {{ abm_segment('tiers.abm_tier') }} as segment_at_event
    from closing_states
    inner join opportunities
        on closing_states.opportunity_id = opportunities.opportunity_id
    left join opening_states
        on
            closing_states.opportunity_id = opening_states.opportunity_id
            and closing_states.metric_month = opening_states.metric_month
    left join rates as opening_rates
        on
            opportunities.currency_code = opening_rates.currency_code
            and closing_states.opening_rate_date >= opening_rates.valid_from
            and closing_states.opening_rate_date < opening_rates.valid_to
    left join rates as closing_rates
        on
            opportunities.currency_code = closing_rates.currency_code
            and closing_states.closing_rate_date >= closing_rates.valid_from
            and closing_states.closing_rate_date < closing_rates.valid_to
    left join tiers
        on
            opportunities.account_id = tiers.account_id
            and (tiers.valid_from is null or closing_states.closing_at > tiers.valid_from)
            and (tiers.valid_to is null or closing_states.closing_at <= tiers.valid_to)

),

movements as (

    select
        *,
        not in_opening and (in_closing or closed_in_month) as enters,
        (in_opening or in_closing or closed_in_month) and not in_closing as leaves
    from paired

),

categorised as (

    select
        *,
        enters and not existed_at_opening as is_created,
        enters and existed_at_opening and not was_closed_at_opening as is_pulled_in,
        enters and was_closed_at_opening as is_reopened,
        leaves and is_won as is_won_in_month,
        leaves and is_closed and not is_won as is_lost_in_month,
        leaves and not is_closed as is_slipped
    from movements
    where in_opening or in_closing or enters

),

classified as (

    select
        metric_month,
        opportunity_id,
        {% if var('segment_basis') == 'at_event' -%}
            segment_at_event as segment,
        {%- elif var('segment_basis') == 'current' -%}
            segment_current as segment,
        {%- else -%}
            {{ exceptions.raise_compiler_error(
                "var segment_basis must be 'current' or 'at_event', got '" ~ var('segment_basis') ~ "'"
            ) }}
        {%- endif %}
        case when in_opening then 1 else 0 end as opening_count,
        case when in_opening then opening_amount else 0 end as opening_amount,
        case when is_created then 1 else 0 end as created_count,
        case when is_created then closing_amount else 0 end as created_amount,
        case when is_pulled_in then 1 else 0 end as pulled_in_count,
        case when is_pulled_in then closing_amount else 0 end as pulled_in_amount,
        case when is_reopened then 1 else 0 end as reopened_count,
        case when is_reopened then closing_amount else 0 end as reopened_amount,
        case when is_won_in_month then 1 else 0 end as won_count,
        case when is_won_in_month then closing_amount else 0 end as won_amount,
        case when is_lost_in_month then 1 else 0 end as lost_count,
        case when is_lost_in_month then closing_amount else 0 end as lost_amount,
        case when is_slipped then 1 else 0 end as slipped_count,
        case when is_slipped then closing_amount else 0 end as slipped_amount,
        case when in_opening then closing_amount - opening_amount else 0 end as amount_change,
        case when in_closing then 1 else 0 end as closing_count,
        case when in_closing then closing_amount else 0 end as closing_amount
    from categorised

),

aggregated as (

    select
        classified.metric_month,
        segments.segment,
        sum(classified.opening_count) as opening_pipeline_count,
        sum(classified.opening_amount) as opening_pipeline_amount,
        sum(classified.created_count) as created_count,
        sum(classified.created_amount) as created_amount,
        sum(classified.pulled_in_count) as pulled_in_count,
        sum(classified.pulled_in_amount) as pulled_in_amount,
        sum(classified.reopened_count) as reopened_count,
        sum(classified.reopened_amount) as reopened_amount,
        sum(classified.won_count) as won_count,
        sum(classified.won_amount) as won_amount,
        sum(classified.lost_count) as lost_count,
        sum(classified.lost_amount) as lost_amount,
        sum(classified.slipped_count) as slipped_count,
        sum(classified.slipped_amount) as slipped_amount,
        sum(classified.amount_change) as amount_change,
        sum(classified.closing_count) as closing_pipeline_count,
        sum(classified.closing_amount) as closing_pipeline_amount
    from classified
    inner join segments
        on {{ counts_in_group('classified.segment', 'segments.segment') }}
    group by classified.metric_month, segments.segment

),

final as (

    select
        grid.metric_month,
        grid.segment,
        '{{ var("segment_basis") }}' as segment_basis,
        coalesce(aggregated.opening_pipeline_count, 0) as opening_pipeline_count,
        coalesce(aggregated.opening_pipeline_amount, 0) as opening_pipeline_amount,
        coalesce(aggregated.created_count, 0) as created_count,
        coalesce(aggregated.created_amount, 0) as created_amount,
        coalesce(aggregated.pulled_in_count, 0) as pulled_in_count,
        coalesce(aggregated.pulled_in_amount, 0) as pulled_in_amount,
        coalesce(aggregated.reopened_count, 0) as reopened_count,
        coalesce(aggregated.reopened_amount, 0) as reopened_amount,
        coalesce(aggregated.won_count, 0) as won_count,
        coalesce(aggregated.won_amount, 0) as won_amount,
        coalesce(aggregated.lost_count, 0) as lost_count,
        coalesce(aggregated.lost_amount, 0) as lost_amount,
        coalesce(aggregated.slipped_count, 0) as slipped_count,
        coalesce(aggregated.slipped_amount, 0) as slipped_amount,
        coalesce(aggregated.amount_change, 0) as amount_change,
        coalesce(aggregated.closing_pipeline_count, 0) as closing_pipeline_count,
        coalesce(aggregated.closing_pipeline_amount, 0) as closing_pipeline_amount
    from grid
    left join aggregated
        on grid.metric_month = aggregated.metric_month and grid.segment = aggregated.segment

)

select * from final
