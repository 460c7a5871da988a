{#- dbt's relationships test with an expected share of orphans: every non-NULL value of the
    column is a `field` of `to`, except at most max_share of those rows. The orphan rows are
    listed only when their share of the rows with a value is above max_share (used with
    severity warn: orphans are kept and flagged downstream). Set max_share from what the raw
    contract says the generator injects (orphan foreign keys, and the parent rows it
    quarantines, whose children become orphans), with the reason in the test's description
    (docs/data_quality.md, "Expected flags and orphans"). -#}
{% test relationships_at_most(model, column_name, to, field, max_share) %}

with child_rows as (

    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null

),

parent_keys as (

    select {{ field }} as to_field
    from {{ to }}

),

orphans as (

    select child_rows.from_field
    from child_rows
    left join parent_keys
        on child_rows.from_field = parent_keys.to_field
    where parent_keys.to_field is null

),

orphan_share as (

    select
        (select count(*) from orphans) as n_orphans,
        (select count(*) from child_rows) as n_rows

)

select orphans.from_field
from orphans
cross join orphan_share
where orphan_share.n_orphans > {{ max_share }} * orphan_share.n_rows

{% endtest %}
