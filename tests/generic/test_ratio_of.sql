{#- The column equals numerator / denominator; it is NULL exactly when the denominator is 0 or
    NULL, or the numerator is NULL. Guards every ratio KPI against drifting from its published
    components. -#}
{% test ratio_of(model, column_name, numerator, denominator, tolerance=0.000001) %}

select
    {{ column_name }} as ratio_value,
    {{ numerator }} as numerator_value,
    {{ denominator }} as denominator_value
from {{ model }}
where
    (
        (coalesce(({{ denominator }}), 0) = 0 or {{ numerator }} is null)
        and {{ column_name }} is not null
    )
    or (
        coalesce(({{ denominator }}), 0) <> 0
        and {{ numerator }} is not null
        and (
            {{ column_name }} is null
            or abs({{ column_name }} - cast({{ numerator }} as double) / ({{ denominator }}))
            > {{ tolerance }}
        )
    )

{% endtest %}
