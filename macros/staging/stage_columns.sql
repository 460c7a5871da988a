{#- Typing of raw text columns in staging, one macro per contract type. Each takes the raw
    column name; an unparseable value becomes NULL (try_cast), never an error. Engine-specific
    parts are dispatched so another engine only needs its own implementations. -#}

{% macro raw_col(name) -%}
    {{ adapter.quote(name) }}
{%- endmacro %}

{% macro stage_text(name) -%}
    nullif(trim({{ raw_col(name) }}), '')
{%- endmacro %}

{% macro stage_email(name) -%}
    case
        when {{ email_is_valid(stage_text(name)) }} then lower({{ stage_text(name) }})
    end
{%- endmacro %}

{% macro is_invalid_email(name) -%}
    coalesce({{ stage_text(name) }} is not null and not {{ email_is_valid(stage_text(name)) }}, false)
{%- endmacro %}

{% macro email_is_valid(expr) -%}
    {{ adapter.dispatch('regex_matches', 'abm_warehouse')(expr, '^[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+$') }}
{%- endmacro %}

{% macro stage_currency(name) -%}
    upper({{ stage_text(name) }})
{%- endmacro %}

{% macro is_unknown_currency(name) -%}
    coalesce({{ stage_currency(name) }} not in {{ known_currencies() }}, false)
{%- endmacro %}

{% macro is_unknown_enum(name, accepted) -%}
    coalesce({{ stage_text(name) }} not in ('{{ accepted | join("', '") }}'), false)
{%- endmacro %}

{% macro stage_integer(name) -%}
    {{ dbt.safe_cast(stage_text(name), api.Column.translate_type('bigint')) }}
{%- endmacro %}

{% macro stage_decimal(name) -%}
    {{ dbt.safe_cast(stage_text(name), 'double') }}
{%- endmacro %}

{% macro stage_money(name) -%}
    {{ dbt.safe_cast(stage_text(name), 'decimal(18, 4)') }}
{%- endmacro %}

{#- A money value that is present but negative or not a number: the row is quarantined. -#}
{% macro is_invalid_money(name) -%}
    coalesce({{ stage_text(name) }} is not null and ({{ stage_money(name) }} is null or {{ stage_money(name) }} < 0), false)
{%- endmacro %}

{% macro stage_boolean(name) -%}
    {{ dbt.safe_cast('lower(' ~ stage_text(name) ~ ')', 'boolean') }}
{%- endmacro %}

{% macro stage_date(name) -%}
    {{ dbt.safe_cast(stage_text(name), 'date') }}
{%- endmacro %}

{#- ISO-8601 text, UTC unless it carries an offset -> UTC timestamp without time zone. -#}
{% macro stage_timestamp(name) -%}
    {{ adapter.dispatch('parse_utc_timestamp', 'abm_warehouse')(stage_text(name)) }}
{%- endmacro %}

{% macro default__parse_utc_timestamp(expr) -%}
    cast({{ dbt.safe_cast(expr, 'timestamp with time zone') }} at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro default__regex_matches(expr, pattern) -%}
    regexp_matches({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{#- Spark: Java regular expressions, which have no POSIX bracket classes: [:space:] -> \\s. -#}
{% macro spark__regex_matches(expr, pattern) -%}
    ({{ expr }} rlike '{{ pattern | replace("[:space:]", "\\\\s") }}')
{%- endmacro %}

{#- Spark has no `timestamp with time zone`: with the session time zone UTC (the spark target
    sets spark.sql.session.timeZone), a cast applies an offset in the text and yields UTC. -#}
{% macro spark__parse_utc_timestamp(expr) -%}
    {{ dbt.safe_cast(expr, 'timestamp') }}
{%- endmacro %}
