{{ config(materialized='table') }}

-- The status history of every lead as versions valid on [valid_from, valid_to):
-- 1. reconstruction: the lead starts (at created_at) in the old value of its first Status
--    change in lead_history (its current status when it has none), and each change starts a
--    version with its new value — a new install gets the sample's history at once;
-- 2. record: versions of the lead itself after its last history row whose status differs
--    from the version before (changes without a history row): every version the raw extracts
--    hold (stg_salesforce__lead_versions; daily deltas hold every change) and every version the
--    snapshot snap_salesforce__leads recorded (a file re-exported whole keeps only the latest),
--    each valid from its last_modified_at. The two give the same version the same time, so a
--    warehouse refreshed day by day has the versions of one built from scratch on the same files.

with leads as (

    select * from {{ ref('stg_salesforce__leads') }}

),

history as (

    select * from {{ ref('stg_salesforce__lead_history') }}
    where field = 'Status'

),

raw_versions as (

    select * from {{ ref('stg_salesforce__lead_versions') }}

),

snapshot as (

    select * from {{ ref('snap_salesforce__leads') }}

),

record_changes as (

    select
        lead_id,
        last_modified_at as valid_from,
        status
    from raw_versions
    where lead_id is not null and last_modified_at is not null

    union

    select
        lead_id,
        dbt_valid_from as valid_from,
        status
    from snapshot
    where dbt_valid_from is not null

),

first_changes as (

    select
        lead_id,
        old_value,
        row_number() over (partition by lead_id order by created_at, lead_history_id) as n_change
    from history

),

reconstructed as (

    select
        leads.lead_id,
        leads.created_at as valid_from,
        coalesce(first_changes.old_value, leads.status) as status,
        'created' as version_source,
        leads.lead_id as source_id
    from leads
    left join first_changes
        on leads.lead_id = first_changes.lead_id and first_changes.n_change = 1

    union all

    select
        history.lead_id,
        history.created_at as valid_from,
        history.new_value as status,
        'history' as version_source,
        history.lead_history_id as source_id
    from history
    inner join leads
        on history.lead_id = leads.lead_id

),

reconstruction_ends as (

    select
        lead_id,
        max(valid_from) as reconstructed_until
    from reconstructed
    group by lead_id

),

record_versions as (

    select
        record_changes.lead_id,
        record_changes.valid_from,
        record_changes.status,
        'record' as version_source,
        cast(record_changes.valid_from as {{ dbt.type_string() }}) as source_id
    from record_changes
    inner join reconstruction_ends
        on record_changes.lead_id = reconstruction_ends.lead_id
    where record_changes.valid_from > reconstruction_ends.reconstructed_until

),

unioned as (

    select * from reconstructed
    union all
    select * from record_versions

),

compared as (

    select
        *,
        lag(status) over by_time as previous_status
    from unioned
    window by_time as (partition by lead_id order by valid_from, version_source, source_id)

),

kept as (

    select *
    from compared
    where version_source <> 'record' or previous_status is distinct from status

),

final as (

    select
        lead_id || '-' || version_source || '-' || source_id as lead_status_version_id,
        lead_id,
        version_source,
        valid_from,
        lead(valid_from) over (
            partition by lead_id order by valid_from, version_source, source_id
        ) as valid_to,
        status
    from kept

)

select * from final
