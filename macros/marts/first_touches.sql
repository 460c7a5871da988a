{#- Each person's first marketing touch (earliest touched_at, ties by touch_id) from a
    relation of fct_touchpoints rows: person_id, campaign_id. -#}
{% macro person_first_touches(touches) -%}
    select
        person_id,
        campaign_id
    from (
        select
            person_id,
            campaign_id,
            row_number() over (
                partition by person_id order by touched_at, touch_id
            ) as touch_rank
        from {{ touches }}
    ) as ranked
    where touch_rank = 1
{%- endmacro %}
