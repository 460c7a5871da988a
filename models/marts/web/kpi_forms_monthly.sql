-- Form fills and form conversion per month and form (catalog section B): form_fills =
-- submissions of the form; form_conversion_rate = submissions / page views of the form's page
-- (the same page: URL without query, fragment or trailing slash). A month with neither a fill
-- nor a view of the form's page has no row.

with forms as (

    select * from {{ ref('stg_marketing_automation__forms') }}

),

submissions as (

    select * from {{ ref('stg_marketing_automation__form_submissions') }}
    where submitted_at < {{ as_of_end() }}

),

page_views as (

    select * from {{ ref('fct_page_views') }}
    where viewed_at < {{ as_of_end() }}

),

fills as (

    select
        form_id,
        {{ to_month('submitted_at') }} as metric_month,
        count(*) as form_fills,
        count(distinct email) as unique_submitters
    from submissions
    group by form_id, {{ to_month('submitted_at') }}

),

-- page views per URL and month first: the page key (two regular expressions) is then computed
-- once per distinct URL, not once per page view
url_views as (

    select
        page_url,
        view_month as metric_month,
        count(*) as page_views
    from page_views
    where page_url is not null
    group by page_url, view_month

),

views as (

    select
        forms.form_id,
        url_views.metric_month,
        cast(sum(url_views.page_views) as {{ dbt.type_bigint() }}) as form_page_views
    from forms
    inner join url_views
        on {{ url_page_key('forms.page_url') }} = {{ url_page_key('url_views.page_url') }}
    group by forms.form_id, url_views.metric_month

),

keys as (

    select
        form_id,
        metric_month
    from fills
    union
    select
        form_id,
        metric_month
    from views

),

final as (

    select
        keys.metric_month,
        keys.form_id,
        forms.form_name,
        forms.form_type,
        forms.content_id,
        coalesce(fills.form_fills, 0) as form_fills,
        coalesce(fills.unique_submitters, 0) as unique_submitters,
        coalesce(views.form_page_views, 0) as form_page_views,
        {{ safe_divide('coalesce(fills.form_fills, 0)', 'views.form_page_views') }} as form_conversion_rate
    from keys
    left join forms
        on keys.form_id = forms.form_id
    left join fills
        on keys.form_id = fills.form_id and keys.metric_month = fills.metric_month
    left join views
        on keys.form_id = views.form_id and keys.metric_month = views.metric_month

)

select * from final
