{#- The model has exactly as many rows as another one (one row per row of it). Returns one
    row with both counts when they differ. Used where an incremental model keeps one row per
    staged record: a record that left staging after it was built (a re-extract whose newest
    version is quarantined) is still in the model, and this test says so, instead of the
    model silently counting it (rebuild with --full-refresh). -#}
{% test same_row_count(model, compare_model) %}

with model_rows as (
    select count(*) as n_model from {{ model }}
),

compared_rows as (
    select count(*) as n_compared from {{ compare_model }}
)

select *
from model_rows
cross join compared_rows
where n_model <> n_compared

{% endtest %}
