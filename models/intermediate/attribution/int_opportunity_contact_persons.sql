{{ config(materialized='table') }}

-- The persons behind each opportunity's contact roles, with when each person was created
-- (earliest created date over the person's leads and contacts).

with contact_roles as (

    select * from {{ ref('stg_salesforce__opportunity_contact_roles') }}
    where contact_id is not null

),

records as (

    select * from {{ ref('int_person_records') }}
    where record_type = 'contact'

),

persons as (

    select * from {{ ref('int_persons') }}

),

final as (

    select distinct
        contact_roles.opportunity_id,
        persons.person_id,
        persons.created_at as person_created_at
    from contact_roles
    inner join records
        on contact_roles.contact_id = records.record_id
    inner join persons
        on records.person_id = persons.person_id

)

select * from final
