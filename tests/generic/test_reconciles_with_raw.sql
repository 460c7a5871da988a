{#- Every raw row ends in exactly one place: raw rows = staged + quarantined + superseded, the
    staging model holds exactly the staged rows and the quarantine model the quarantined ones.
    Returns one row describing the mismatch, if any. -#}
{% test reconciles_with_raw(model, source_name, table_name, staged_model, quarantine_model) %}

with raw_rows as (
    select count(*) as n_raw from {{ raw_relation(source_name, table_name) }}
),

base_rows as (
    select
        count(*) as n_base,
        sum(case when _row_outcome = 'staged' then 1 else 0 end) as n_staged,
        sum(case when _row_outcome = 'quarantined' then 1 else 0 end) as n_quarantined,
        sum(case when _row_outcome = 'superseded' then 1 else 0 end) as n_superseded
    from {{ model }}
),

staged_rows as (
    select count(*) as n_stg from {{ ref(staged_model) }}
),

quarantined_rows as (
    select count(*) as n_quarantine from {{ ref(quarantine_model) }}
),

compared as (
    select *
    from raw_rows
    cross join base_rows
    cross join staged_rows
    cross join quarantined_rows
)

select *
from compared
where
    n_raw <> n_base
    or n_base <> coalesce(n_staged, 0) + coalesce(n_quarantined, 0) + coalesce(n_superseded, 0)
    or n_stg <> coalesce(n_staged, 0)
    or n_quarantine <> coalesce(n_quarantined, 0)

{% endtest %}
