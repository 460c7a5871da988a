{#- The earlier of two values, ignoring a NULL one (NULL only when both are NULL). Portable:
    engines disagree on whether least() skips NULLs. -#}
{% macro earliest(a, b) -%}
    case
        when ({{ a }}) is null then ({{ b }})
        when ({{ b }}) is null then ({{ a }})
        when ({{ b }}) < ({{ a }}) then ({{ b }})
        else ({{ a }})
    end
{%- endmacro %}

{#- The later of two values, ignoring a NULL one. -#}
{% macro latest(a, b) -%}
    case
        when ({{ a }}) is null then ({{ b }})
        when ({{ b }}) is null then ({{ a }})
        when ({{ b }}) > ({{ a }}) then ({{ b }})
        else ({{ a }})
    end
{%- endmacro %}
