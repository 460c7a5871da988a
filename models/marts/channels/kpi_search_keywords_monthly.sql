-- search_avg_position (catalog B) per keyword and month: the mean of the keyword's daily rank
-- over the days of the month it was ranked on (days without a rank are not counted as any
-- position). One position per keyword and day: the best (lowest) position of the day, so that
-- several urls ranking for one keyword on one day count once. Days after var as_of_date and
-- rows without a position are left out.

with ranks as (

    select * from {{ ref('stg_seo__search_rank_daily') }}
    where not is_future_dated and position is not null

),

daily as (

    select
        keyword,
        report_date,
        min(position) as daily_position,
        max(search_volume) as search_volume
    from ranks
    group by keyword, report_date

),

monthly as (

    select
        {{ to_month('report_date') }} as metric_month,
        keyword,
        count(*) as days_ranked,
        round(avg(daily_position), 6) as search_avg_position,
        min(daily_position) as best_position,
        max(daily_position) as worst_position,
        avg(search_volume) as avg_search_volume,
        min(report_date) as first_ranked_date,
        max(report_date) as last_ranked_date
    from daily
    group by {{ to_month('report_date') }}, keyword

),

final as (

    select
        metric_month,
        keyword,
        days_ranked,
        search_avg_position,
        best_position,
        worst_position,
        avg_search_volume,
        first_ranked_date,
        last_ranked_date,
        search_avg_position <= 10 as is_in_top_10
    from monthly

)

select * from final
