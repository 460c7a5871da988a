{{ config(materialized='table') }}

-- Lead status changes (lead_history, field = Status) of every person, through the person's
-- lead records.

with lead_history as (

    select * from {{ ref('stg_salesforce__lead_history') }}
    where field = 'Status'

),

records as (

    select * from {{ ref('int_person_records') }}
    where record_type = 'lead'

),

final as (

    select
        lead_history.lead_history_id,
        records.person_id,
        lead_history.lead_id,
        lead_history.old_value,
        lead_history.new_value,
        lead_history.created_at
    from lead_history
    inner join records
        on lead_history.lead_id = records.record_id

)

select * from final
