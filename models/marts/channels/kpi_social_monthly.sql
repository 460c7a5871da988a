-- Social KPIs (catalog B) per month and platform, plus platform 'all' (sums of the platforms).
-- Followers at month end = the followers of the platform's last reported day of the month (up
-- to var as_of_date). Followers at start = the last reported followers before the month (the
-- previous month's end value; after a month without any report, the last value before that
-- gap). The platform's first month has no start (NULL), so no growth. A month without any
-- report of the platform (a gap) has NULL end, start carried, NULL growth; its sums are 0.
-- Months: every reporting month (int_months, plus months with data outside it) from the
-- platform's first reported month on.

with social as (

    select * from {{ ref('stg_social__social_daily') }}
    where not is_future_dated

),

reporting_months as (

    select metric_month from {{ ref('int_months') }}
    union
    select distinct {{ to_month('report_date') }} as metric_month from social

),

platform_starts as (

    select
        platform,
        min({{ to_month('report_date') }}) as first_month
    from social
    group by platform

),

grid as (

    select
        reporting_months.metric_month,
        platform_starts.platform
    from reporting_months
    inner join platform_starts
        on reporting_months.metric_month >= platform_starts.first_month

),

month_sums as (

    select
        platform,
        {{ to_month('report_date') }} as metric_month,
        count(*) as days_reported,
        coalesce(sum(reach), 0) as social_reach,
        coalesce(sum(impressions), 0) as social_impressions,
        coalesce(sum(likes), 0) as likes,
        coalesce(sum(comments), 0) as comments,
        coalesce(sum(shares), 0) as shares,
        coalesce(sum(posts), 0) as posts
    from social
    group by platform, {{ to_month('report_date') }}

),

month_end_followers as (

    select
        platform,
        metric_month,
        report_date as followers_end_date,
        followers as followers_end
    from (
        select
            platform,
            report_date,
            followers,
            {{ to_month('report_date') }} as metric_month,
            row_number() over (
                partition by platform, {{ to_month('report_date') }}
                order by report_date desc
            ) as day_rank
        from social
        where followers is not null
    ) as ranked
    where day_rank = 1

),

previous_reported_months as (

    select
        grid.platform,
        grid.metric_month,
        max(month_end_followers.metric_month) as previous_reported_month
    from grid
    inner join month_end_followers
        on
            grid.platform = month_end_followers.platform
            and grid.metric_month > month_end_followers.metric_month
    group by grid.platform, grid.metric_month

),

platforms as (

    select
        grid.metric_month,
        grid.platform,
        coalesce(month_sums.days_reported, 0) as days_reported,
        month_end_followers.followers_end_date,
        start_followers.followers_end as social_followers_start,
        month_end_followers.followers_end as social_followers,
        coalesce(month_sums.social_reach, 0) as social_reach,
        coalesce(month_sums.social_impressions, 0) as social_impressions,
        coalesce(month_sums.likes, 0) as likes,
        coalesce(month_sums.comments, 0) as comments,
        coalesce(month_sums.shares, 0) as shares,
        coalesce(month_sums.posts, 0) as posts
    from grid
    left join month_sums
        on
            grid.platform = month_sums.platform
            and grid.metric_month = month_sums.metric_month
    left join month_end_followers
        on
            grid.platform = month_end_followers.platform
            and grid.metric_month = month_end_followers.metric_month
    left join previous_reported_months
        on
            grid.platform = previous_reported_months.platform
            and grid.metric_month = previous_reported_months.metric_month
    left join month_end_followers as start_followers
        on
            previous_reported_months.platform = start_followers.platform
            and previous_reported_months.previous_reported_month = start_followers.metric_month

),

all_platforms as (

    -- Follower counts add up across platforms only when every platform of the month has one.
    select
        metric_month,
        'all' as platform,
        sum(days_reported) as days_reported,
        max(followers_end_date) as followers_end_date,
        case
            when count(social_followers_start) = count(*) then sum(social_followers_start)
        end as social_followers_start,
        case
            when count(social_followers) = count(*) then sum(social_followers)
        end as social_followers,
        sum(social_reach) as social_reach,
        sum(social_impressions) as social_impressions,
        sum(likes) as likes,
        sum(comments) as comments,
        sum(shares) as shares,
        sum(posts) as posts
    from platforms
    group by metric_month

),

unioned as (

    select * from platforms
    union all
    select * from all_platforms

),

final as (

    select
        metric_month,
        platform,
        days_reported,
        followers_end_date,
        social_followers_start,
        social_followers,
        social_followers - social_followers_start as social_follower_growth,
        social_reach,
        social_impressions,
        likes,
        comments,
        shares,
        posts,
        likes + comments + shares as social_engagements,
        {{ safe_divide('likes + comments + shares', 'social_impressions') }}
            as social_engagement_rate
    from unioned

)

select * from final
