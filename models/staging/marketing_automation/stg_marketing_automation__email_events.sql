-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

{{ config(**staged_events_config('email_event_id')) }}

-- A table, parsed once (not a view re-parsed by every consumer and test). Incremental: a run
-- restages the keys whose rows the base model (re)wrote since this model's last run (its
-- dbt_refreshed_at), with every raw row of those keys; the `restage` strategy
-- (macros/utils/restage.sql) deletes those keys and inserts their staged rows, so a key whose
-- newest version was quarantined or soft-deleted leaves. A later as-of date restages the rows
-- it turns from future-dated to known (is_future_dated reads it): from this table itself, the
-- rows differing only in that flag. Per engine: macros/utils/engines.sql.

-- The templater indents inside the if block: the layout is checked by eye.
-- noqa: disable=LT02
{% if is_incremental() %}
with watermark as (

    select max(dbt_refreshed_at) as refreshed_after
    from {{ this }}

),

source as (

    select base_rows.*
    from {{ ref('base_marketing_automation__email_events') }} as base_rows
    cross join watermark
    where {{ written_since_watermark('base_rows') }}

),
{% else %}
with source as (

    select * from {{ ref('base_marketing_automation__email_events') }}
    where _row_outcome = 'staged'

),
{% endif %}
-- noqa: enable=LT02

renamed as (

    select

        {%- if is_incremental() %}
        _row_outcome,  -- noqa: LT02
        {%- endif %}

        -- ids
        {{ stage_text('id') }} as email_event_id,
        {{ stage_text('email_campaign_id') }} as email_campaign_id,

        -- strings
        {{ stage_text('type') }} as email_event_type,
        {{ stage_email('recipient') }} as recipient,
        {{ stage_text('url') }} as url,

        -- timestamps
        {{ stage_timestamp('created') }} as occurred_at,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,
        {{ run_stamp() }} as dbt_refreshed_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_invalid_email('recipient') }} as has_invalid_email,
        {{ is_unknown_enum('type', [
            'SENT', 'DELIVERED', 'OPEN', 'CLICK', 'BOUNCE', 'UNSUBSCRIBE', 'SPAMREPORT'
        ]) }} as has_unknown_enum,
        coalesce({{ stage_timestamp('created') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

-- noqa: disable=all
{% if is_incremental() and stored_rows_exist('stored.is_future_dated and stored.occurred_at < ' ~ as_of_end()) %}
select * from renamed
union all by name
select
    stored.* exclude (is_future_dated, dbt_refreshed_at),
    'staged' as _row_outcome,
    false as is_future_dated,
    {{ run_stamp() }} as dbt_refreshed_at
from {{ this }} as stored
where stored.is_future_dated and stored.occurred_at < {{ as_of_end() }}
    and stored.email_event_id not in (
        select renamed.email_event_id from renamed where renamed.email_event_id is not null
    )
{% else %}

select * from renamed
{% endif %}
-- noqa: enable=all
