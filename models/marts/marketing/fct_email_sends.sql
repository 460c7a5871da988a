{#- Incremental, restaged by send (DuckDB); a table on Spark (macros/utils/engines.sql). -#}
{{ config(**restage_by_key_config('send_id')) }}

-- One row per send (e-mail campaign × recipient) with what happened to it: the send's events
-- (int_email_send_events, incremental by arrival) with its campaign and recipient person.
--
-- Incremental by send, exact: a run recomputes the sends int_email_send_events rewrote since
-- this model's last run (dbt_refreshed_at; a send left without events only deletes its row),
-- the stored sends whose person, account, segment or campaign fields are no longer what
-- today's persons and e-mail campaigns give (a new lead with the recipient's e-mail, a person
-- moved to another account, a tier change, a corrected campaign: a scan of the sends joined to
-- those small tables) and the sends of e-mail campaigns new to this model; the restage
-- strategy replaces them.

-- The incremental CTEs are not rendered when linting: their layout is checked by eye.
-- noqa: disable=LT02
with campaigns as (

    select * from {{ ref('stg_marketing_automation__email_campaigns') }}

),

persons as (

    select * from {{ ref('int_persons') }}

),

{% if is_incremental() %}
watermark as (

    select max(dbt_refreshed_at) as refreshed_after
    from {{ this }}

),

changed_sends as (

    select upstream.send_key as send_id
    from {{ ref('int_email_send_events') }} as upstream
    cross join watermark
    where
        {{ written_since_watermark('upstream') }}

    union

    select stored.send_id
    from {{ this }} as stored
    left join persons
        on {{ dbt.hash('stored.recipient') }} = persons.person_id
    left join campaigns
        on stored.email_campaign_id = campaigns.email_campaign_id
    where
        stored.person_id is distinct from persons.person_id
        or stored.account_id is distinct from persons.account_id
        or stored.segment is distinct from coalesce(persons.segment, 'non-ABM')
        or stored.campaign_id is distinct from campaigns.campaign_id
        or stored.program is distinct from campaigns.program
        or stored.sent_at is distinct from campaigns.sent_at

    union

    -- sends of e-mail campaigns that arrived after their events (the inner join left them out)
    select upstream.send_key as send_id
    from {{ ref('int_email_send_events') }} as upstream
    where upstream.email_campaign_id in (
        select campaigns.email_campaign_id from campaigns
        except
        select stored.email_campaign_id from {{ this }} as stored
    )

),

sends as (

    select upstream.*
    from {{ ref('int_email_send_events') }} as upstream
    inner join changed_sends
        on upstream.send_key = changed_sends.send_id
    where upstream.n_events > 0

),
{% else %}
sends as (

    select * from {{ ref('int_email_send_events') }}
    where n_events > 0

),
{% endif %}
-- noqa: enable=LT02

final as (

    select
        sends.send_key as send_id,
        sends.email_campaign_id,
        sends.recipient,
        persons.person_id,
        persons.account_id,
        coalesce(persons.segment, 'non-ABM') as segment,
        campaigns.campaign_id,
        campaigns.program,
        campaigns.sent_at,
        {{ to_month('campaigns.sent_at') }} as send_month,
        sends.is_sent,
        sends.is_sent and not sends.is_bounced as is_delivered,
        sends.is_bounced,
        sends.is_opened,
        sends.is_clicked,
        sends.is_unsubscribed,
        sends.is_spam_reported,
        sends.n_opens,
        sends.n_clicks,
        sends.sent_event_at,
        sends.first_opened_at,
        sends.first_clicked_at,
        sends.unsubscribed_at,
        {{ run_stamp() }} as dbt_refreshed_at
    from sends
    inner join campaigns
        on sends.email_campaign_id = campaigns.email_campaign_id
    left join persons
        on {{ dbt.hash('sends.recipient') }} = persons.person_id

)

-- noqa: disable=all
{{ restaged_rows('final', 'changed_sends', 'send_id') }}
-- noqa: enable=all
