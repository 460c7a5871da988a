{{ config(materialized='table') }}

-- The state history of every opportunity as versions valid on [valid_from, valid_to):
-- 1. reconstruction: each opportunity_history row is the full state (stage, amount, close
--    date, probability) from its created_at on — this gives a new install the sample's
--    three years at once;
-- 2. record: versions of the opportunity itself recorded after its reconstruction ends (after
--    its latest history row) that change a tracked field, e.g. a close date moved without a
--    history row, or an opportunity without any history row: every version the raw extracts
--    hold (stg_salesforce__opportunity_versions; daily deltas hold every change) and every
--    version the snapshot snap_salesforce__opportunities recorded (a file re-exported whole
--    keeps only the latest), each valid from its last_modified_at. The two give the same
--    version the same time, so a warehouse refreshed day by day has the versions of one built
--    from scratch on the same files.
-- The state "at instant t" is the version with valid_from < t <= coalesce(valid_to, t).

with history as (

    select * from {{ ref('stg_salesforce__opportunity_history') }}

),

raw_versions as (

    select * from {{ ref('stg_salesforce__opportunity_versions') }}

),

snapshot as (

    select * from {{ ref('snap_salesforce__opportunities') }}

),

record_changes as (

    select
        opportunity_id,
        last_modified_at as valid_from,
        stage_name,
        coalesce(is_closed, stage_name in ('Closed Won', 'Closed Lost')) as is_closed,
        coalesce(is_won, stage_name = 'Closed Won') as is_won,
        amount,
        close_date,
        probability
    from raw_versions
    where opportunity_id is not null and last_modified_at is not null

    union

    select
        opportunity_id,
        dbt_valid_from as valid_from,
        stage_name,
        coalesce(is_closed, stage_name in ('Closed Won', 'Closed Lost')) as is_closed,
        coalesce(is_won, stage_name = 'Closed Won') as is_won,
        amount,
        close_date,
        probability
    from snapshot
    where dbt_valid_from is not null

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

reconstructed as (

    select
        history.opportunity_id,
        history.created_at as valid_from,
        history.stage_name,
        history.stage_name in ('Closed Won', 'Closed Lost') as is_closed,
        history.stage_name = 'Closed Won' as is_won,
        history.amount,
        history.close_date,
        history.probability,
        'history' as version_source,
        history.opportunity_history_id as source_id
    from history
    inner join opportunities
        on history.opportunity_id = opportunities.opportunity_id

),

reconstruction_ends as (

    select
        opportunity_id,
        max(valid_from) as reconstructed_until
    from reconstructed
    group by opportunity_id

),

record_versions as (

    select
        record_changes.opportunity_id,
        record_changes.valid_from,
        record_changes.stage_name,
        record_changes.is_closed,
        record_changes.is_won,
        record_changes.amount,
        record_changes.close_date,
        record_changes.probability,
        'record' as version_source,
        cast(record_changes.valid_from as {{ dbt.type_string() }}) as source_id
    from record_changes
    left join reconstruction_ends
        on record_changes.opportunity_id = reconstruction_ends.opportunity_id
    where
        reconstruction_ends.reconstructed_until is null
        or record_changes.valid_from > reconstruction_ends.reconstructed_until

),

unioned as (

    select * from reconstructed
    union all
    select * from record_versions

),

compared as (

    select
        *,
        lag(stage_name) over by_time as previous_stage_name,
        lag(amount) over by_time as previous_amount,
        lag(close_date) over by_time as previous_close_date,
        lag(probability) over by_time as previous_probability,
        row_number() over by_time as n_version_raw
    from unioned
    window by_time as (partition by opportunity_id order by valid_from, version_source, source_id)

),

changed as (

    -- history rows are kept as they are; a record version only when it changes something
    select *
    from compared
    where
        version_source = 'history'
        or n_version_raw = 1
        or previous_stage_name is distinct from stage_name
        or previous_amount is distinct from amount
        or previous_close_date is distinct from close_date
        or previous_probability is distinct from probability

),

versioned as (

    select
        changed.opportunity_id,
        changed.version_source,
        changed.source_id,
        -- the first version starts when the opportunity was created (a record-only
        -- opportunity's first version is only recorded at its last modification)
        case
            when changed.n_version_raw = 1
                then {{ earliest('opportunities.created_at', 'changed.valid_from') }}
            else changed.valid_from
        end as valid_from,
        lead(changed.valid_from) over (
            partition by changed.opportunity_id
            order by changed.valid_from, changed.version_source, changed.source_id
        ) as valid_to,
        changed.stage_name,
        changed.is_closed,
        changed.is_won,
        changed.amount,
        changed.close_date,
        changed.probability
    from changed
    inner join opportunities
        on changed.opportunity_id = opportunities.opportunity_id

),

final as (

    select
        opportunity_id || '-' || version_source || '-' || source_id as opportunity_version_id,
        opportunity_id,
        version_source,
        valid_from,
        valid_to,
        stage_name,
        is_closed,
        is_won,
        amount,
        close_date,
        probability
    from versioned

)

select * from final
