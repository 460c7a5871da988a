-- E-mail KPIs (catalog section A) per month of send and program: sums of per-send numerators
-- over sums of per-send denominators of the campaigns sent in the month.

with sends as (

    select * from {{ ref('fct_email_sends') }}

),

programs as (

    select distinct program from sends
    union all
    select 'all' as program

),

aggregated as (

    select
        sends.send_month as metric_month,
        programs.program,
        {{ email_send_aggregates() }}
    from sends
    inner join programs
        on {{ counts_in_group('sends.program', 'programs.program') }}
    group by sends.send_month, programs.program

),

final as (

    select
        *,
        {{ email_rates() }}
    from aggregated

)

select * from final
