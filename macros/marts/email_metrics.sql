{#- The e-mail KPIs of catalog section A as aggregates over fct_email_sends rows (one send =
    campaign × recipient), for any grain: numerators, denominators and rates. -#}
{% macro email_send_aggregates() -%}
        sum(case when is_sent then 1 else 0 end) as emails_sent,
        sum(case when is_sent and is_bounced then 1 else 0 end) as emails_bounced,
        sum(case when is_sent and not is_bounced then 1 else 0 end) as emails_delivered,
        sum(case when is_sent and is_opened then 1 else 0 end) as unique_openers,
        sum(case when is_sent and is_clicked then 1 else 0 end) as unique_clickers,
        sum(case when is_sent and is_unsubscribed then 1 else 0 end) as unique_unsubscribers
{%- endmacro %}

{% macro email_rates() -%}
        {{ safe_divide('unique_openers', 'emails_delivered') }} as email_open_rate,
        {{ safe_divide('unique_clickers', 'emails_delivered') }} as email_click_through_rate,
        {{ safe_divide('unique_clickers', 'unique_openers') }} as email_click_to_open_rate,
        {{ safe_divide('unique_unsubscribers', 'emails_delivered') }} as email_unsubscribe_rate,
        {{ safe_divide('emails_bounced', 'emails_sent') }} as email_bounce_rate
{%- endmacro %}
