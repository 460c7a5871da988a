-- Sessions by channel per month (catalog section B: sessions_by_channel), with the channel's
-- visitors, engagement and form conversion; channel 'all' is every session of the month.

with months as (

    select * from {{ ref('int_months') }}

),

rules as (

    select * from {{ ref('channel_rules') }}

),

sessions as (

    select * from {{ ref('fct_web_sessions') }}

),

channels as (

    select channel from rules
    union
    select 'direct' as channel
    union
    select 'all' as channel

),

session_channels as (

    select
        session_month as metric_month,
        channel,
        anonymous_id,
        is_engaged,
        is_bounce,
        has_form_submission
    from sessions
    union all
    select
        session_month as metric_month,
        'all' as channel,
        anonymous_id,
        is_engaged,
        is_bounce,
        has_form_submission
    from sessions

),

counts as (

    select
        metric_month,
        channel,
        count(*) as sessions,
        count(case when is_engaged then 1 end) as engaged_sessions,
        count(case when is_bounce then 1 end) as bounced_sessions,
        count(case when has_form_submission then 1 end) as sessions_with_form_submission,
        count(distinct anonymous_id) as unique_visitors
    from session_channels
    group by metric_month, channel

),

month_totals as (

    select
        metric_month,
        sessions as month_sessions
    from counts
    where channel = 'all'

),

final as (

    select
        months.metric_month,
        channels.channel,
        coalesce(counts.sessions, 0) as sessions,
        {{ safe_divide('coalesce(counts.sessions, 0)', 'month_totals.month_sessions') }} as share_of_sessions,
        coalesce(counts.unique_visitors, 0) as unique_visitors,
        coalesce(counts.engaged_sessions, 0) as engaged_sessions,
        coalesce(counts.bounced_sessions, 0) as bounced_sessions,
        {{ safe_divide('counts.bounced_sessions', 'counts.sessions') }} as bounce_rate,
        coalesce(counts.sessions_with_form_submission, 0) as sessions_with_form_submission,
        {{ safe_divide('counts.sessions_with_form_submission', 'counts.sessions') }}
            as session_conversion_rate
    from months
    cross join channels
    left join counts
        on
            months.metric_month = counts.metric_month
            and channels.channel = counts.channel
    left join month_totals
        on months.metric_month = month_totals.metric_month

)

select * from final
