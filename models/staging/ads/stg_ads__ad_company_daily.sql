-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_ads__ad_company_daily') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('company_domain') }} as company_domain,

        -- strings
        {{ stage_text('platform') }} as platform,

        -- numerics
        {{ stage_integer('impressions') }} as impressions,
        {{ stage_integer('clicks') }} as clicks,

        -- dates
        {{ stage_date('date') }} as report_date,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_unknown_enum('platform', ['linkedin', 'google', 'meta']) }} as has_unknown_enum,
        coalesce({{ stage_date('date') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
