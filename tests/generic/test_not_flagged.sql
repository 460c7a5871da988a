{#- Lists the rows whose flag column is true (used with severity warn: the rows are kept, the
    run reports them).

    max_share (default 0: any flagged row is reported) is the share of rows a source is
    expected to carry with this flag: the flagged rows are listed only when their share of the
    model's rows is above it. Set it from what the raw contract says the generator injects
    (docs/data_quality.md, "Expected flags and orphans"), with the reason in the test's
    description; a build of the committed sample then ends without warnings, and a warning
    means the share grew. -#}
{% test not_flagged(model, column_name, max_share=0) %}

with model_rows as (

    select * from {{ model }}

),

flagged_share as (

    select
        sum(case when {{ column_name }} then 1 else 0 end) as n_flagged,
        count(*) as n_rows
    from model_rows

)

select model_rows.*
from model_rows
cross join flagged_share
where
    model_rows.{{ column_name }}
    and flagged_share.n_flagged > {{ max_share }} * flagged_share.n_rows

{% endtest %}
