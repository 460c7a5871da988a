-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.

with source as (

    select * from {{ ref('base_social__social_daily') }}
    where _row_outcome = 'staged'

),

renamed as (

    select

        -- strings
        {{ stage_text('platform') }} as platform,

        -- numerics
        {{ stage_integer('followers') }} as followers,
        {{ stage_integer('impressions') }} as impressions,
        {{ stage_integer('reach') }} as reach,
        {{ stage_integer('likes') }} as likes,
        {{ stage_integer('comments') }} as comments,
        {{ stage_integer('shares') }} as shares,
        {{ stage_integer('posts') }} as posts,

        -- dates
        {{ stage_date('date') }} as report_date,

        -- load
        {{ stage_timestamp('_loaded_at') }} as loaded_at,

        -- flags (rows kept, see the model's warn tests)
        {{ is_unknown_enum('platform', ['linkedin', 'x', 'youtube']) }} as has_unknown_enum,
        coalesce({{ stage_date('date') }} >= {{ as_of_end() }}, false) as is_future_dated

    from source

)

select * from renamed
