{#- Incremental, restaged by source partition (DuckDB); a table on Spark (engines.sql). -#}
{{ config(**restage_by_key_config('source_partition')) }}

-- Every engagement signal of a person or an account (catalog D), with its units and the weight
-- of one unit (var engagement_weights):
--   page_view        page views of identified visitors (stitching applies to every event of the
--                    anonymous id, before and after its identify call); the person's account
--   web_visit        sessions matched to an account by reverse-IP company domain only (no
--                    person of the account): one visit per session, account-level
--   email_open       OPEN events (each event id once); email_click: CLICK events
--   form_fill        form submissions of a known person (by e-mail)
--   campaign_response / event_attended   campaign members who responded (at
--                    first_responded_date 00:00 UTC); status Attended = event attended
--   meeting_held     CRM events of type Meeting or Demo, not deleted, held (start <= as-of)
--   ad_click / ad_impression   company-level ad clicks / impressions per day, platform and
--                    company domain (units = clicks / impressions, at 00:00 UTC)
-- Only signals before the end of the as-of date. Cost ~ signals (one pass per source).
--
-- Incremental, exact: the signals are kept in source partitions (source_partition): a web
-- session's page views and web visit ('session:<session id>'), a recipient's opens and clicks
-- ('email:<recipient>'), and the rows of the small sources by month or day ('forms:<month>',
-- 'crm:<month>', 'ads:<date>'). A run recomputes the partitions of
--   - the sessions int_web_sessions or int_web_events_sessionized rewrote since this model's
--     last run (dbt_refreshed_at: new events, a new identity, a person's new account), and the
--     sessions int_web_sessions no longer has;
--   - the recipients of the e-mail events staging restaged since (and the partition such an
--     event was stored under, should a re-extract have moved it), and the recipients whose
--     stored person, account or campaign today's persons and e-mail campaigns no longer give;
--   - the sessions and recipients with a signal between the previous run's as-of date
--     (dbt_as_of_date) and this one's: signals a later as-of date makes known;
--   - the small sources' partitions whose rows differ from the stored ones: the small sources
--     (form fills, campaign responses, meetings, company ad clicks and impressions: a few
--     hundred thousand rows a year at enterprise scale, against tens of millions of events) are
--     computed whole on every run and compared with the stored rows (bookkeeping columns left
--     out), so a new day of ads restages that day, not every ad signal;
-- and the restage strategy replaces them (a marker deletes a partition left without signals).
-- A table stored with the visitor partitions of earlier versions ('web:<anonymous id>') is
-- refused: rebuild it once with --full-refresh.

{#- The partitions of a run (see above); referenced by every source below. -#}
{%- set web_partition = dbt.concat(["'session:'", 'session_id']) %}
{%- set email_partition = dbt.concat(["'email:'", 'recipient']) %}

{%- set weights = var('engagement_weights') %}

-- The incremental CTEs are not rendered when linting: their layout is checked by eye.
-- noqa: disable=LT02
with persons as (

    select * from {{ ref('int_persons') }}

),

records as (

    select * from {{ ref('int_person_records') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

domain_accounts as (

    select * from {{ ref('int_account_domains') }}

),

email_campaigns as (

    select * from {{ ref('stg_marketing_automation__email_campaigns') }}

),

{% if is_incremental() %}
{#- The changed sessions and partitions, materialized first so the joins below build on them
    (macros/utils/key_sets.sql); each is a statement of its own, so it names what it reads. -#}
{%- set watermark_sql %}
watermark as (

    select
        max(dbt_refreshed_at) as refreshed_after,
        cast({{ dbt.dateadd('day', 1, 'max(dbt_as_of_date)') }} as timestamp) as known_before
    from {{ this }}

)
{%- endset %}
{#- checked when the model runs (not when it is compiled, linted or documented) -#}
{%- if execute and flags.WHICH in ('run', 'build')
    and model.resource_type == 'model' and target.type == 'duckdb' -%}
    {%- set legacy = run_query(
        "select count(*) from (select 1 from " ~ this ~ " where source_partition like 'web:%' limit 1)"
    ).columns[0].values()[0] -%}
    {%- if legacy > 0 -%}
        {{ exceptions.raise_compiler_error(
            this ~ " holds web signals partitioned by visitor ('web:<anonymous id>'), an earlier "
            ~ "layout; they are now partitioned by session: rebuild it once with --full-refresh "
            ~ "(abm-warehouse refresh --full-refresh, or dbt build --full-refresh --select "
            ~ "int_engagement_signals+)") }}
    {%- endif -%}
{%- endif -%}
{#- the start of the day after the previous run's as-of date: a literal on DuckDB (the scans
    below are then filtered by a constant), else the watermark's column -#}
{%- set known_before = stored_timestamp(dbt.dateadd('day', 1, 'max(dbt_as_of_date)'))
    or 'watermark.known_before' -%}
{%- set changed_sessions_sql %}
with {{ watermark_sql }},

changed_sessions as (

    {{ written_or_ripened(
        ref('int_web_sessions'), 'web_sessions', 'web_sessions.session_id', 'started_at', known_before
    ) }}

    union

    {{ written_or_ripened(
        ref('int_web_events_sessionized'), 'sessionized', 'sessionized.session_id', 'occurred_at',
        known_before, ripened_condition="sessionized.event_type = 'page_view'"
    ) }}

    union

    (
        select substr(stored.source_partition, 9) as session_id
        from {{ this }} as stored
        where stored.source_partition like 'session:%'
        except
        select sessions.session_id from {{ ref('int_web_sessions') }} as sessions
    )

)

select session_id from changed_sessions
{%- endset %}
{%- set changed_sessions_relation = incremental_key_set('changed_sessions', changed_sessions_sql) %}
{%- set changed_partitions_sql %}
with {{ watermark_sql }},

persons as (

    select * from {{ ref('int_persons') }}

),

email_campaigns as (

    select * from {{ ref('stg_marketing_automation__email_campaigns') }}

),

changed_sessions as (

    select * from {{ changed_sessions_relation }}

),

restaged_email_events as (

    {{ written_or_ripened(
        ref('stg_marketing_automation__email_events'), 'email_events',
        'email_events.email_event_id, email_events.recipient', 'occurred_at', known_before
    ) }}

),

changed_partitions as (

    select {{ web_partition }} as source_partition from changed_sessions

    union

    select {{ email_partition }} as source_partition
    from restaged_email_events
    where restaged_email_events.recipient is not null

    union

    -- a re-extract may have moved an event to another recipient: its old partition too
    select stored.source_partition
    from {{ this }} as stored
    inner join restaged_email_events
        on stored.source_id = restaged_email_events.email_event_id
    where
        stored.source_system = 'marketing_automation'
        and stored.source_partition like 'email:%'

    union

    -- a recipient's person, account or campaign is no longer what is stored
    select stored.source_partition
    from {{ this }} as stored
    left join persons
        on {{ dbt.hash("substr(stored.source_partition, 7)") }} = persons.person_id
    left join {{ ref('stg_marketing_automation__email_events') }} as email_events
        on stored.source_id = email_events.email_event_id
    left join email_campaigns
        on email_events.email_campaign_id = email_campaigns.email_campaign_id
    where
        stored.source_partition like 'email:%'
        and (
            stored.person_id is distinct from persons.person_id
            or stored.account_id is distinct from persons.account_id
            or stored.campaign_id is distinct from email_campaigns.campaign_id
        )


)

select source_partition from changed_partitions
{%- endset %}

changed_sessions as (

    select * from {{ changed_sessions_relation }}

),

changed_partitions as (

    select * from {{ incremental_key_set('changed_partitions', changed_partitions_sql) }}

),

web_events as (

    select sessionized.*
    from {{ ref('int_web_events_sessionized') }} as sessionized
    inner join changed_sessions
        on sessionized.session_id = changed_sessions.session_id
    where sessionized.event_type = 'page_view'

),

sessions as (

    select web_sessions.*
    from {{ ref('int_web_sessions') }} as web_sessions
    inner join changed_sessions
        on web_sessions.session_id = changed_sessions.session_id

),

email_events as (

    select email_events.*
    from {{ ref('stg_marketing_automation__email_events') }} as email_events
    inner join changed_partitions
        on {{ dbt.concat(["'email:'", 'email_events.recipient']) }} = changed_partitions.source_partition
    where email_events.email_event_type in ('OPEN', 'CLICK') and email_events.recipient is not null

),
{% else %}
web_events as (

    select * from {{ ref('int_web_events_sessionized') }}
    where event_type = 'page_view'

),

sessions as (

    select * from {{ ref('int_web_sessions') }}

),

email_events as (

    select * from {{ ref('stg_marketing_automation__email_events') }}
    where email_event_type in ('OPEN', 'CLICK') and recipient is not null

),
{% endif %}
-- noqa: enable=LT02

submissions as (

    select * from {{ ref('stg_marketing_automation__form_submissions') }}
    where email is not null

),

members as (

    select * from {{ ref('stg_salesforce__campaign_members') }}
    where has_responded and first_responded_date is not null

),

crm_events as (

    select * from {{ ref('stg_salesforce__events') }}
    where
        event_type in ('Meeting', 'Demo')
        and not coalesce(is_deleted, false)
        and started_at is not null

),

ad_company as (

    select * from {{ ref('stg_ads__ad_company_daily') }}

),

page_views as (

    select
        {{ dbt.concat(["'session:'", 'web_events.session_id']) }} as source_partition,
        'web' as source_system,
        web_events.web_event_id as source_id,
        'page_view' as signal_type,
        web_events.occurred_at,
        sessions.person_id,
        cast(null as {{ dbt.type_string() }}) as signal_account_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        1 as units
    from web_events
    inner join sessions
        on web_events.session_id = sessions.session_id
    where sessions.person_id is not null

),

web_visits as (

    select
        {{ dbt.concat(["'session:'", 'session_id']) }} as source_partition,
        'web' as source_system,
        session_id as source_id,
        'web_visit' as signal_type,
        started_at as occurred_at,
        cast(null as {{ dbt.type_string() }}) as person_id,
        account_id as signal_account_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        1 as units
    from sessions
    where account_match_method = 'reverse_ip'

),

emails as (

    select
        {{ dbt.concat(["'email:'", 'email_events.recipient']) }} as source_partition,
        'marketing_automation' as source_system,
        email_events.email_event_id as source_id,
        case when email_events.email_event_type = 'OPEN' then 'email_open' else 'email_click' end
            as signal_type,
        email_events.occurred_at,
        persons.person_id,
        cast(null as {{ dbt.type_string() }}) as signal_account_id,
        email_campaigns.campaign_id,
        1 as units
    from email_events
    inner join persons
        on {{ dbt.hash('email_events.recipient') }} = persons.person_id
    left join email_campaigns
        on email_events.email_campaign_id = email_campaigns.email_campaign_id

),

form_fills as (

    select
        {{ dbt.concat(["'forms:'", month_key('submissions.submitted_at')]) }}
            as source_partition,
        'marketing_automation' as source_system,
        submissions.form_submission_id as source_id,
        'form_fill' as signal_type,
        submissions.submitted_at as occurred_at,
        persons.person_id,
        cast(null as {{ dbt.type_string() }}) as signal_account_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        1 as units
    from submissions
    inner join persons
        on {{ dbt.hash('submissions.email') }} = persons.person_id

),

campaign_responses as (

    select
        {{ dbt.concat(["'crm:'", month_key('members.first_responded_date')]) }}
            as source_partition,
        'salesforce' as source_system,
        members.campaign_member_id as source_id,
        case when members.status = 'Attended' then 'event_attended' else 'campaign_response' end
            as signal_type,
        cast(members.first_responded_date as timestamp) as occurred_at,
        records.person_id,
        cast(null as {{ dbt.type_string() }}) as signal_account_id,
        members.campaign_id,
        1 as units
    from members
    inner join records
        on
            coalesce(members.contact_id, members.lead_id) = records.record_id
            and records.record_type
            = case when members.contact_id is not null then 'contact' else 'lead' end

),

meetings as (

    select
        {{ dbt.concat(["'crm:'", month_key('crm_events.started_at')]) }}
            as source_partition,
        'salesforce' as source_system,
        crm_events.event_id as source_id,
        'meeting_held' as signal_type,
        crm_events.started_at as occurred_at,
        records.person_id,
        accounts.account_id as signal_account_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        1 as units
    from crm_events
    left join records
        on crm_events.who_id = records.record_id
    left join accounts
        on crm_events.account_id = accounts.account_id

),

-- a company-day's clicks and its impressions: one signal each, when its units are > 0
ad_units as (

    -- both branches have the same five columns (sqlfluff miscounts them)
    select  -- noqa: AM07
        platform,
        report_date,
        company_domain,
        'ad_click' as signal_type,
        clicks as units
    from ad_company

    union all

    select
        platform,
        report_date,
        company_domain,
        'ad_impression' as signal_type,
        impressions as units
    from ad_company

),

ad_signals as (

    select
        {{ dbt.concat(["'ads:'", dbt.safe_cast('ad_units.report_date', dbt.type_string())]) }}
            as source_partition,
        'ads' as source_system,
        {{ dbt.concat([
            'ad_units.platform', "'|'",
            dbt.safe_cast('ad_units.report_date', dbt.type_string()), "'|'",
            'ad_units.company_domain'
        ]) }} as source_id,
        ad_units.signal_type,
        cast(ad_units.report_date as timestamp) as occurred_at,
        cast(null as {{ dbt.type_string() }}) as person_id,
        domain_accounts.account_id as signal_account_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        ad_units.units
    from ad_units
    inner join domain_accounts
        on lower(ad_units.company_domain) = domain_accounts.account_domain
    where ad_units.units > 0

),

unioned as (

    -- every branch has the same columns (sqlfluff does not resolve them all)
    select * from page_views  -- noqa: AM07
    union all
    select * from web_visits
    union all
    select * from emails
    union all
    select * from form_fills
    union all
    select * from campaign_responses
    union all
    select * from meetings
    union all
    select * from ad_signals

),

weighted as (

    select
        unioned.*,
        case unioned.signal_type
            {%- for signal_type, weight in weights.items() %}
                when '{{ signal_type }}' then {{ weight }}
            {%- endfor %}
            else 0
        end as weight
    from unioned
    where unioned.occurred_at < {{ as_of_end() }}

),

final as (

    select
        {{ dbt.hash(dbt.concat(['weighted.signal_type', "'|'", 'weighted.source_id'])) }}
            as signal_id,
        weighted.signal_type,
        weighted.source_system,
        weighted.source_id,
        weighted.occurred_at,
        cast(weighted.occurred_at as date) as activity_date,
        weighted.person_id,
        coalesce(weighted.signal_account_id, persons.account_id) as account_id,
        case
            when weighted.signal_account_id is not null and weighted.person_id is null
                then 'account'
            when weighted.signal_account_id is not null then 'crm_event'
            when persons.account_id is not null then 'person'
        end as account_match_method,
        coalesce(persons.account_id = coalesce(weighted.signal_account_id, persons.account_id), false)
            as is_account_person,
        weighted.campaign_id,
        weighted.units,
        cast(weighted.weight as double) as weight,
        cast(weighted.units * weighted.weight as double) as engagement_points,
        weighted.weight > 0 as is_engagement,
        weighted.source_partition,
        {{ as_of_date() }} as dbt_as_of_date,
        {{ run_stamp() }} as dbt_refreshed_at
    from weighted
    left join persons
        on weighted.person_id = persons.person_id

)

-- The incremental CTEs below: their layout is checked by eye, not by the indentation rule.
-- noqa: disable=LT02
{%- if is_incremental() %}
{#- every column but the bookkeeping ones: what a stored small-source row is compared on -#}
{%- set compared = [
    'signal_id', 'signal_type', 'source_system', 'source_id', 'occurred_at', 'activity_date',
    'person_id', 'account_id', 'account_match_method', 'is_account_person', 'campaign_id', 'units',
    'weight', 'engagement_points', 'is_engagement', 'source_partition'
] | join(', ') %}
{%- set small_source = "source_partition not like 'session:%' and source_partition not like 'email:%'" %}
,

-- the small sources' rows, computed whole (their partitions were not in the key sets above)
small_computed as (

    select * from final
    where {{ small_source }}

),

small_stored as (

    select {{ compared }} from {{ this }}
    where {{ small_source }}

),

-- the small sources' partitions whose rows are not those stored (added, changed or gone); a
-- partition of an earlier layout ('ads', 'crm', 'forms') goes
small_changed as (
    {%- for rows, other, name in [
        ('small_computed', 'small_stored', 'added'), ('small_stored', 'small_computed', 'removed')
    ] %}

    select {{ name }}.source_partition
    from (
        select {{ compared }} from {{ rows }}
        except
        select {{ compared }} from {{ other }}
    ) as {{ name }}
    {%- if loop.first %}

    union
    {%- endif %}
    {%- endfor %}

),

restaged as (

    select * from final
    where not ({{ small_source }})

    union all

    select small_computed.*
    from small_computed
    inner join small_changed
        on small_computed.source_partition = small_changed.source_partition

),

restaged_partitions as (

    select source_partition from changed_partitions  -- noqa: AM07
    union
    select source_partition from small_changed

)
{%- endif %}
-- noqa: enable=LT02

-- noqa: disable=all
{{ restaged_rows('restaged' if is_incremental() else 'final', 'restaged_partitions', 'source_partition') }}
-- noqa: enable=all
