-- The pipeline waterfall adds up on every row of kpi_pipeline_monthly, for counts and amounts:
-- opening + created + pulled_in + reopened − won − lost − slipped (+ amount_change) = closing.
-- Returns the rows where it does not (amounts to the cent).

with waterfall as (

    select * from {{ ref('kpi_pipeline_monthly') }}

),

checked as (

    select
        metric_month,
        segment,
        opening_pipeline_count + created_count + pulled_in_count + reopened_count
        - won_count - lost_count - slipped_count
        - closing_pipeline_count as count_gap,
        opening_pipeline_amount + created_amount + pulled_in_amount + reopened_amount
        - won_amount - lost_amount - slipped_amount + amount_change
        - closing_pipeline_amount as amount_gap
    from waterfall

)

select *
from checked
where count_gap <> 0 or abs(amount_gap) >= 0.01
