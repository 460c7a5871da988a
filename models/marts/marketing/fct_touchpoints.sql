-- Every marketing touch of a person or an account (catalog F): published from
-- int_touchpoints, where the touch list is built, so that the attribution and influence
-- intermediates read the same touches without reading this mart.

with touchpoints as (

    select * from {{ ref('int_touchpoints') }}

),

final as (

    select
        touch_id,
        touch_type,
        touched_at,
        person_id,
        account_id,
        segment,
        campaign_id,
        channel
    from touchpoints

)

select * from final
