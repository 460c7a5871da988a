-- Content engagement per month and content asset (catalog section B): views, unique visitors,
-- unique accounts, average time on page, form fills of the asset's forms, and opportunities
-- influenced (created in the month by an account that viewed the asset in the
-- var influence_window_days before creation). Cost ~ page views of assets + opportunities ×
-- their accounts' asset views in the window.

with assets as (

    select * from {{ ref('stg_web__content_assets') }}

),

page_views as (

    select * from {{ ref('fct_page_views') }}
    where content_id is not null and viewed_at < {{ as_of_end() }}

),

forms as (

    select * from {{ ref('stg_marketing_automation__forms') }}
    where content_id is not null

),

submissions as (

    select * from {{ ref('stg_marketing_automation__form_submissions') }}
    where submitted_at < {{ as_of_end() }}

),

opportunities as (

    select * from {{ ref('int_opportunities') }}
    where created_at < {{ as_of_end() }}

),

views as (

    select
        content_id,
        view_month as metric_month,
        count(*) as content_views,
        count(distinct anonymous_id) as unique_visitors,
        count(distinct account_id) as unique_accounts,
        count(time_on_page_seconds) as timed_views,
        sum(time_on_page_seconds) as total_time_on_page_seconds
    from page_views
    group by content_id, view_month

),

fills as (

    select
        forms.content_id,
        {{ to_month('submissions.submitted_at') }} as metric_month,
        count(*) as form_fills
    from submissions
    inner join forms
        on submissions.form_id = forms.form_id
    group by forms.content_id, {{ to_month('submissions.submitted_at') }}

),

influenced as (

    select
        page_views.content_id,
        {{ to_month('opportunities.created_at') }} as metric_month,
        count(distinct opportunities.opportunity_id) as opportunities_influenced
    from opportunities
    inner join page_views
        on
            opportunities.account_id = page_views.account_id
            and opportunities.created_at >= page_views.viewed_at
            and page_views.viewed_at >= {{ dbt.dateadd(
                'day', -1 * var('influence_window_days'), 'opportunities.created_at'
            ) }}
    group by page_views.content_id, {{ to_month('opportunities.created_at') }}

),

keys as (

    select
        content_id,
        metric_month
    from views
    union
    select
        content_id,
        metric_month
    from fills
    union
    select
        content_id,
        metric_month
    from influenced

),

final as (

    select
        keys.metric_month,
        keys.content_id,
        assets.asset_type,
        assets.topic,
        assets.title,
        coalesce(views.content_views, 0) as content_views,
        coalesce(views.unique_visitors, 0) as unique_visitors,
        coalesce(views.unique_accounts, 0) as unique_accounts,
        coalesce(views.timed_views, 0) as timed_views,
        coalesce(views.total_time_on_page_seconds, 0) as total_time_on_page_seconds,
        {{ safe_divide('views.total_time_on_page_seconds', 'views.timed_views') }}
            as avg_time_on_page_seconds,
        coalesce(fills.form_fills, 0) as form_fills,
        coalesce(influenced.opportunities_influenced, 0) as opportunities_influenced
    from keys
    left join assets
        on keys.content_id = assets.content_asset_id
    left join views
        on keys.content_id = views.content_id and keys.metric_month = views.metric_month
    left join fills
        on keys.content_id = fills.content_id and keys.metric_month = fills.metric_month
    left join influenced
        on keys.content_id = influenced.content_id and keys.metric_month = influenced.metric_month

)

select * from final
