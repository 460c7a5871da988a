{#- Off where kpi_ltv_sbg_fits is disabled (Spark: a Python model; macros/utils/engines.sql). -#}
{{ config(enabled=enabled_on_target('kpi_ltv_sbg_fits')) }}

-- Every interval × segment group is published (2 × 3 rows); a converged fit has alpha, beta > 0
-- and a non-positive log-likelihood; a group without a usable fit has NULL parameters; a group
-- below var sbg_min_sample_size is never fitted.

with fits as (

    select * from {{ ref('kpi_ltv_sbg_fits') }}

),

invalid as (

    select
        billing_interval,
        segment,
        'invalid fit' as problem
    from fits
    where
        (converged and (alpha is null or beta is null or alpha <= 0 or beta <= 0))
        or (converged and log_likelihood > 0)
        or (not converged and (alpha is not null or beta is not null))
        or (sample_size < {{ var('sbg_min_sample_size') }} and converged)
        or (churned_count + censored_count <> sample_size)

),

missing as (

    select
        'all groups' as billing_interval,
        cast(count(*) as {{ dbt.type_string() }}) as segment,
        'expected 6 groups' as problem
    from fits
    having count(*) <> 6

)

select * from invalid
union all
select * from missing
