-- depends_on: {{ ref('int_web_session_summaries') }}
-- depends_on: {{ ref('int_email_send_events') }}
{#- Incremental delete+insert on touch_group; per engine: macros/utils/engines.sql. -#}
{{ config(
    on_schema_change='fail',
    **incremental_by_key_config('touch_group')
) }}

-- The touches of the two large event sources, before any dimension is joined: the first click
-- of each e-mail send, and each web session whose channel is paid search, paid social or
-- email. int_touchpoints adds persons, accounts, segments and CRM campaigns (which change
-- old touches) and the small sources (campaign responses, form fills, ad clicks).
--
-- Incremental, exact. Touches are grouped by what rewrites them upstream: a send
-- ('send:' || send_key, rewritten by int_email_send_events) or a visitor ('visitor:' ||
-- anonymous_id, all of whose sessions int_web_session_summaries rewrites). A run takes the
-- upstream rows written since this model's last run (dbt_refreshed_at after the newest
-- dbt_refreshed_at here: late events, re-extracts and deletions all rewrite upstream rows),
-- recomputes the touches of those groups, and delete+insert on touch_group replaces them. A
-- group that had touches and has none left gets one row with is_touch = false, so its old
-- touches are deleted; int_touchpoints keeps only is_touch rows. Cost per run ~ the rewritten sends and
-- sessions.

-- The incremental CTEs are not rendered when linting: their layout is checked by eye.
-- noqa: disable=LT02
{% if is_incremental() %}

with watermark as (

    select max(dbt_refreshed_at) as refreshed_after
    from {{ this }}

),

sends as (

    select sends.*
    from {{ ref('int_email_send_events') }} as sends
    cross join watermark
    where
        {{ written_since_watermark('sends') }}

),

changed_visitors as (

    select distinct summaries.anonymous_id
    from {{ ref('int_web_session_summaries') }} as summaries
    cross join watermark
    where
        {{ written_since_watermark('summaries') }}

),

sessions as (

    select summaries.*
    from {{ ref('int_web_session_summaries') }} as summaries
    inner join changed_visitors
        on summaries.anonymous_id = changed_visitors.anonymous_id

),

rewritten_groups as (

    select 'send:' || send_key as touch_group
    from sends
    union all
    select 'visitor:' || anonymous_id as touch_group
    from changed_visitors

),

changed_groups as (

    -- rewritten groups that have touches here (only they can need a deleting row)
    select distinct existing.touch_group
    from {{ this }} as existing
    inner join rewritten_groups
        on existing.touch_group = rewritten_groups.touch_group
    where existing.is_touch

),

{% else %}

with sends as (

    select * from {{ ref('int_email_send_events') }}

),

sessions as (

    select * from {{ ref('int_web_session_summaries') }}

),

changed_groups as (

    select cast(null as {{ dbt.type_string() }}) as touch_group
    where 1 = 0

),

{% endif %}
-- noqa: enable=LT02

email_clicks as (

    select
        'send:' || send_key as touch_group,
        'email_send:' || email_campaign_id || ':' || recipient as touch_key,
        'email_click' as touch_type,
        first_clicked_at as touched_at,
        recipient,
        cast(null as {{ dbt.type_string() }}) as session_id,
        email_campaign_id,
        'email' as channel
    from sends
    where is_clicked

),

paid_sessions as (

    select
        'visitor:' || anonymous_id as touch_group,
        'session:' || session_id as touch_key,
        'session' as touch_type,
        started_at as touched_at,
        cast(null as {{ dbt.type_string() }}) as recipient,
        session_id,
        cast(null as {{ dbt.type_string() }}) as email_campaign_id,
        channel
    from sessions
    where channel in ('paid_search', 'paid_social', 'email')

),

touches as (

    select * from email_clicks
    union all
    select * from paid_sessions

),

-- changed groups without a touch left: one row that deletes their old touches
emptied as (

    select distinct changed_groups.touch_group
    from changed_groups
    left join touches
        on changed_groups.touch_group = touches.touch_group
    where touches.touch_group is null

),

final as (

    select
        touch_group,
        touch_key,
        touch_type,
        touched_at,
        recipient,
        session_id,
        email_campaign_id,
        channel,
        true as is_touch,
        {{ run_stamp() }} as dbt_refreshed_at
    from touches

    union all

    select
        touch_group,
        touch_group as touch_key,
        cast(null as {{ dbt.type_string() }}) as touch_type,
        cast(null as timestamp) as touched_at,
        cast(null as {{ dbt.type_string() }}) as recipient,
        cast(null as {{ dbt.type_string() }}) as session_id,
        cast(null as {{ dbt.type_string() }}) as email_campaign_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        false as is_touch,
        {{ run_stamp() }} as dbt_refreshed_at
    from emptied

)

select * from final
