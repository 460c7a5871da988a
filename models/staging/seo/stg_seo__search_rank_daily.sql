-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_seo__search_rank_daily') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- ids
        {{ stage_text('keyword') }} as keyword,

        -- strings
        {{ stage_text('url') }} as url,

        -- numerics
        {{ stage_decimal('position') }} as position,
        {{ stage_integer('search_volume') }} as search_volume,

        -- dates
        {{ stage_date('date') }} as report_date,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        coalesce({{ stage_date('date') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
