{#- Normalised web domain of a URL or website: lower-cased, without scheme, "www.", port,
    path, query or fragment. `https://www.Acme.com/about` -> `acme.com`. -#}
{% macro url_domain(expr) -%}
    nullif(
        regexp_replace(
            regexp_replace(
                regexp_replace(lower(trim({{ expr }})), '^[a-z][a-z0-9+.-]*://', ''),
                '^www[0-9]*[.]', ''
            ),
            '[:/?#].*$', ''
        ),
        ''
    )
{%- endmacro %}

{#- Domain part of a (normalised) e-mail address. -#}
{% macro email_domain(expr) -%}
    nullif({{ dbt.split_part(expr, "'@'", 2) }}, '')
{%- endmacro %}

{#- A URL as a join key for "the same page": lower-cased, trimmed, without query string,
    fragment or trailing slash. `https://x.com/Demo/?utm_source=a` -> `https://x.com/demo`. -#}
{% macro url_page_key(expr) -%}
    nullif(
        regexp_replace(
            regexp_replace(lower(trim({{ expr }})), '[?#].*$', ''),
            '/+$', ''
        ),
        ''
    )
{%- endmacro %}
