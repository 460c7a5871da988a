{{ config(materialized='table') }}

-- The opportunities a person took part in: as a contact with a role on it, or as the lead
-- converted into it.

with roles as (

    select * from {{ ref('stg_salesforce__opportunity_contact_roles') }}

),

leads as (

    select * from {{ ref('stg_salesforce__leads') }}

),

records as (

    select * from {{ ref('int_person_records') }}

),

links as (

    select
        records.person_id,
        roles.opportunity_id
    from roles
    inner join records
        on roles.contact_id = records.record_id and records.record_type = 'contact'

    union

    select
        records.person_id,
        leads.converted_opportunity_id as opportunity_id
    from leads
    inner join records
        on leads.lead_id = records.record_id and records.record_type = 'lead'
    where leads.converted_opportunity_id is not null

)

select * from links
