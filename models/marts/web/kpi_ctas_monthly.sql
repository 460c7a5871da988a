-- CTA click-through per month and CTA (catalog section B): CTA clicks / CTA impressions, each
-- event in its own timestamp's month. A month without an impression or click of the CTA has no row.

with events as (

    select * from {{ ref('int_web_events_sessionized') }}
    where
        cta_id is not null
        and event_type in ('cta_impression', 'cta_click')
        and occurred_at < {{ as_of_end() }}

),

final as (

    select
        {{ to_month('occurred_at') }} as metric_month,
        cta_id,
        count(case when event_type = 'cta_impression' then 1 end) as cta_impressions,
        count(case when event_type = 'cta_click' then 1 end) as cta_clicks,
        {{ safe_divide(
            "count(case when event_type = 'cta_click' then 1 end)",
            "count(case when event_type = 'cta_impression' then 1 end)"
        ) }} as cta_click_through_rate,
        count(distinct case when event_type = 'cta_click' then anonymous_id end) as unique_clickers
    from events
    group by {{ to_month('occurred_at') }}, cta_id

)

select * from final
