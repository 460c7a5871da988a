-- The floor (issue 10): the headline KPIs computed by hand, outside dbt, straight from the raw
-- extract files in one DuckDB query. `abm-warehouse bench` times it against the full build;
-- pytests/test_bench.py checks its numbers equal the warehouse's kpi_ marts on the sample.
--
-- Placeholders (filled by abm_warehouse.tooling.bench.floor.floor_sql): {raw:<table>} =
-- read_parquet(...) or read_csv(..., all_varchar) of the extract; {as_of_date} = the
-- warehouse's as-of date.
--
-- It does the same cleaning as staging where the KPI depends on it (latest version of a key by
-- _loaded_at then last_modified_date; rows quarantined for a missing key / required value, an
-- unparseable timestamp, an invalid amount or is_deleted), and nothing the KPI does not need.
-- DuckDB-only syntax (QUALIFY, macros) on purpose: this is the bare-engine baseline.
--
-- Output, long: kpi, metric_month, dimension, value (segment 'all', program 'all').
-- KPIs: sessions by channel, e-mail open and click-through rates, new MQLs, win rate, won
-- amount, net revenue retention (monthly).

create or replace temp macro txt(x) as nullif(trim(x), '');
create or replace temp macro ts(x) as
    cast(try_cast(nullif(trim(x), '') as timestamp with time zone) at time zone 'UTC' as timestamp);
create or replace temp macro as_bool(x) as try_cast(lower(nullif(trim(x), '')) as boolean);
create or replace temp macro valid_email(x) as
    case
        when regexp_matches(nullif(trim(x), ''), '^[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+$')
            then lower(nullif(trim(x), ''))
    end;

with

-- ---------------------------------------------------------------- web (catalog B)
web_events as (

    select
        txt(anonymous_id) as anonymous_id,
        txt(event_id) as web_event_id,
        ts(occurred_at) as occurred_at,
        lower(txt(utm_source)) as utm_source,
        lower(txt(utm_medium)) as utm_medium,
        nullif(
            regexp_replace(
                regexp_replace(
                    regexp_replace(lower(trim(txt(referrer))), '^[a-z][a-z0-9+.-]*://', ''),
                    '^www[0-9]*[.]', ''
                ),
                '[:/?#].*$', ''
            ),
            ''
        ) as referrer_domain
    from {raw:web_event}
    where txt(event_id) is not null
    qualify row_number() over (
        partition by txt(event_id) order by ts(_loaded_at) desc nulls last
    ) = 1

),

landings as (

    -- the first event of each session: a visitor's events split where the gap to the
    -- previous one exceeds the session timeout (30 minutes)
    select
        occurred_at,
        utm_source,
        utm_medium,
        referrer_domain
    from web_events
    where txt(anonymous_id) is not null and occurred_at is not null
    qualify coalesce(
        datediff(
            'second',
            lag(occurred_at) over (partition by anonymous_id order by occurred_at, web_event_id),
            occurred_at
        ) > 30 * 60,
        true
    )

),

referrer_domains as (

    select * from {seed:referrer_domains}

),

classified as (

    select
        landings.*,
        row_number() over () as landing_id,
        case
            when landings.referrer_domain is null then 'none'
            when landings.referrer_domain in ('abmwarehouse-demo.com') then 'none'
            else coalesce(
                (
                    select max(referrer_domains.referrer_class)
                    from referrer_domains
                    where
                        landings.referrer_domain = referrer_domains.domain
                        or landings.referrer_domain like '%.' || referrer_domains.domain
                ),
                'external'
            )
        end as referrer_class
    from landings

),

sessions as (

    select
        cast(date_trunc('month', classified.occurred_at) as date) as metric_month,
        coalesce(
            arg_min(rules.channel, rules.rule_order) filter (where rules.channel is not null),
            'direct'
        ) as channel
    from classified
    left join {seed:channel_rules} as rules
        on
            (
                (rules.utm_medium_in is null and classified.utm_medium is null)
                or (rules.utm_medium_in = '*' and classified.utm_medium is not null)
                or position('|' || classified.utm_medium || '|' in '|' || rules.utm_medium_in || '|') > 0
            )
            and (
                rules.utm_source_in is null
                or rules.utm_source_in = '*'
                or position('|' || classified.utm_source || '|' in '|' || rules.utm_source_in || '|') > 0
            )
            and (rules.referrer_class = '*' or classified.referrer_class = rules.referrer_class)
    group by classified.landing_id, 1

),

sessions_monthly as (

    select metric_month, channel, count(*) as sessions
    from sessions
    group by metric_month, channel
    union all
    select metric_month, 'all', count(*)
    from sessions
    group by metric_month

),

-- ---------------------------------------------------------------- e-mail (catalog A)
email_events as (

    select
        txt(email_campaign_id) as email_campaign_id,
        valid_email(recipient) as recipient,
        txt("type") as event_type,
        created
    from {raw:email_event}
    where txt(id) is not null
    qualify row_number() over (
        partition by txt(id) order by ts(_loaded_at) desc nulls last
    ) = 1

),

email_campaigns as (

    select
        txt(id) as email_campaign_id,
        ts(sent_at) as sent_at
    from {raw:email_campaign}
    where txt(id) is not null
    qualify row_number() over (
        partition by txt(id) order by ts(_loaded_at) desc nulls last
    ) = 1

),

email_sends as (

    select
        events.email_campaign_id,
        events.recipient,
        bool_or(events.event_type = 'SENT') as is_sent,
        bool_or(events.event_type = 'BOUNCE') as is_bounced,
        bool_or(events.event_type in ('OPEN', 'CLICK')) as is_opened,
        bool_or(events.event_type = 'CLICK') as is_clicked
    from email_events as events
    where
        events.recipient is not null
        and events.email_campaign_id is not null
        and ts(events.created) is not null
    group by events.email_campaign_id, events.recipient

),

email_monthly as (

    select
        cast(date_trunc('month', campaigns.sent_at) as date) as metric_month,
        count(*) filter (where sends.is_sent and not sends.is_bounced) as delivered,
        count(*) filter (where sends.is_sent and sends.is_opened) as openers,
        count(*) filter (where sends.is_sent and sends.is_clicked) as clickers
    from email_sends as sends
    inner join email_campaigns as campaigns
        on sends.email_campaign_id = campaigns.email_campaign_id
    where campaigns.sent_at is not null
    group by 1

),

-- ---------------------------------------------------------------- sales (catalog E)
rates as (

    select
        upper(txt(iso_code)) as currency_code,
        try_cast(txt(conversion_rate) as double) as units_per_usd,
        try_cast(txt(start_date) as date) as valid_from,
        coalesce(try_cast(txt(next_start_date) as date), date '9999-12-31') as valid_to
    from {raw:dated_conversion_rate}
    where txt(id) is not null
    qualify
        row_number() over (partition by txt(id) order by ts(_loaded_at) desc nulls last) = 1
        and txt(iso_code) is not null
        and txt(conversion_rate) is not null
        and try_cast(txt(start_date) as date) is not null
        and upper(txt(iso_code)) in (
            'AUD', 'BRL', 'CAD', 'CHF', 'CNY', 'DKK', 'EUR', 'GBP', 'HKD', 'INR',
            'JPY', 'KRW', 'MXN', 'NOK', 'NZD', 'PLN', 'SEK', 'SGD', 'USD', 'ZAR'
        )

),

to_usd as (

    select
        rates.currency_code,
        greatest(rates.valid_from, usd.valid_from) as valid_from,
        least(rates.valid_to, usd.valid_to) as valid_to,
        round(usd.units_per_usd / rates.units_per_usd, 12) as rate
    from rates
    inner join rates as usd
        on
            usd.currency_code = 'USD'
            and rates.valid_from < usd.valid_to
            and rates.valid_to > usd.valid_from

),

opportunities_raw as (

    select
        *,
        row_number() over (
            partition by txt(id)
            order by ts(_loaded_at) desc nulls last, ts(last_modified_date) desc nulls last
        ) as version_rank
    from {raw:opportunity}
    where txt(id) is not null

),

opportunities as (

    select
        as_bool(is_closed) and as_bool(is_won) as is_won,
        as_bool(is_closed) and not as_bool(is_won) as is_lost,
        try_cast(txt(close_date) as date) as close_date,
        upper(txt(currency_iso_code)) as currency_code,
        try_cast(txt(amount) as decimal(18, 4)) as amount
    from opportunities_raw
    where
        version_rank = 1
        and ts(created_date) is not null
        and not coalesce(
            txt(amount) is not null
            and coalesce(try_cast(txt(amount) as decimal(18, 4)) < 0, true),
            false
        )
        and not coalesce(as_bool(is_deleted), false)
        and as_bool(is_closed)
        and try_cast(txt(close_date) as date) <= date '{as_of_date}'

),

sales_monthly as (

    select
        cast(date_trunc('month', opportunities.close_date) as date) as metric_month,
        count(*) filter (where opportunities.is_won) as won_deals,
        count(*) filter (where opportunities.is_lost) as lost_deals,
        coalesce(sum(opportunities.amount * to_usd.rate) filter (where opportunities.is_won), 0)
            as won_amount
    from opportunities
    left join to_usd
        on
            opportunities.currency_code = to_usd.currency_code
            and opportunities.close_date >= to_usd.valid_from
            and opportunities.close_date < to_usd.valid_to
    group by 1

),

-- ---------------------------------------------------------------- MQLs (catalog C)
persons as (

    -- a person = a normalised e-mail of a staged lead or contact
    select distinct valid_email(email) as email
    from {raw:lead}
    where txt(id) is not null
    qualify
        row_number() over (
            partition by txt(id)
            order by ts(_loaded_at) desc nulls last, ts(last_modified_date) desc nulls last
        ) = 1
        and ts(created_date) is not null
        and not coalesce(as_bool(is_deleted), false)
        and valid_email(email) is not null
    union
    select distinct valid_email(email) as email
    from {raw:contact}
    where txt(id) is not null
    qualify
        row_number() over (
            partition by txt(id)
            order by ts(_loaded_at) desc nulls last, ts(last_modified_date) desc nulls last
        ) = 1
        and ts(created_date) is not null
        and not coalesce(as_bool(is_deleted), false)
        and valid_email(email) is not null

),

score_changes as (

    select
        txt(id) as lead_score_change_id,
        valid_email(email) as email,
        try_cast(txt(score_delta) as bigint) as score_delta,
        ts(changed_at) as changed_at
    from {raw:lead_score_change}
    where txt(id) is not null
    qualify
        row_number() over (partition by txt(id) order by ts(_loaded_at) desc nulls last) = 1
        and txt(score_delta) is not null
        and ts(changed_at) is not null
        and valid_email(email) is not null

),

running_scores as (

    select
        score_changes.email,
        score_changes.changed_at,
        sum(score_changes.score_delta) over (
            partition by score_changes.email
            order by score_changes.changed_at, score_changes.lead_score_change_id
            rows between unbounded preceding and current row
        ) as running_score
    from score_changes
    inner join persons
        on score_changes.email = persons.email

),

mqls_monthly as (

    select
        cast(date_trunc('month', mql_at) as date) as metric_month,
        count(*) as new_mqls
    from (
        select email, min(changed_at) as mql_at
        from running_scores
        where running_score >= 100
        group by email
    ) as mqls
    group by 1

),

-- ---------------------------------------------------------------- NRR (catalog G)
subscriptions as (

    select
        txt(account_id) as account_id,
        ts(started_at) as started_at,
        ts(ended_at) as ended_at,
        upper(txt(currency)) as currency_code,
        try_cast(txt(quantity) as bigint)
        * try_cast(txt(unit_amount) as decimal(18, 4))
        / case lower(txt(billing_interval)) when 'month' then 1 when 'year' then 12 end
            as local_mrr
    from {raw:subscription}
    where txt(id) is not null
    qualify
        row_number() over (partition by txt(id) order by ts(_loaded_at) desc nulls last) = 1
        and ts(started_at) is not null
        and not coalesce(
            txt(unit_amount) is not null
            and coalesce(try_cast(txt(unit_amount) as decimal(18, 4)) < 0, true),
            false
        )
        and txt(account_id) is not null
        and ts(started_at) < date '{as_of_date}' + interval 1 day

),

mrr_months as (

    -- the month's MRR is read at its end (the as-of day's end for the as-of month)
    select
        cast(month_start as date) as metric_month,
        least(month_start + interval 1 month, date '{as_of_date}' + interval 1 day) as snapshot_at,
        least(cast(month_start + interval 1 month - interval 1 day as date), date '{as_of_date}')
            as rate_date
    from range(
        (select date_trunc('month', min(started_at)) from subscriptions),
        date '{as_of_date}' + interval 1 day,
        interval 1 month
    ) as spine (month_start)

),

account_months as (

    select
        firsts.account_id,
        mrr_months.*
    from (
        select account_id, date_trunc('month', min(started_at)) as first_month
        from subscriptions
        group by account_id
    ) as firsts
    inner join mrr_months
        on firsts.first_month <= mrr_months.metric_month

),

account_mrr as (

    select
        account_months.account_id,
        account_months.metric_month,
        round(coalesce(sum(subscriptions.local_mrr * to_usd.rate), 0), 6) as mrr
    from account_months
    left join subscriptions
        on
            account_months.account_id = subscriptions.account_id
            and account_months.snapshot_at > subscriptions.started_at
            and (subscriptions.ended_at is null or account_months.snapshot_at <= subscriptions.ended_at)
    left join to_usd
        on
            subscriptions.currency_code = to_usd.currency_code
            and account_months.rate_date >= to_usd.valid_from
            and account_months.rate_date < to_usd.valid_to
    group by account_months.account_id, account_months.metric_month

),

nrr_monthly as (

    -- starting + expansion - contraction - churn = the month-end MRR of the accounts that
    -- had MRR at the month's start
    select
        metric_month,
        sum(mrr) filter (where starting_mrr > 0) as nrr_numerator,
        sum(starting_mrr) filter (where starting_mrr > 0) as starting_mrr
    from (
        select
            metric_month,
            mrr,
            coalesce(lag(mrr) over (partition by account_id order by metric_month), 0)
                as starting_mrr
        from account_mrr
    ) as movements
    group by metric_month

)

-- ---------------------------------------------------------------- long output
select 'sessions' as kpi, metric_month, channel as dimension, sessions as value
from sessions_monthly
union all
select 'email_open_rate', metric_month, 'all',
    cast(openers as double) / nullif(delivered, 0) as value
from email_monthly
union all
select 'email_click_through_rate', metric_month, 'all',
    cast(clickers as double) / nullif(delivered, 0)
from email_monthly
union all
select 'emails_delivered', metric_month, 'all', delivered from email_monthly
union all
select 'won_deals', metric_month, 'all', won_deals from sales_monthly
union all
select 'win_rate', metric_month, 'all',
    cast(won_deals as double) / nullif(won_deals + lost_deals, 0)
from sales_monthly
union all
select 'won_amount', metric_month, 'all', won_amount from sales_monthly
union all
select 'new_mqls', metric_month, 'all', new_mqls from mqls_monthly
union all
select 'net_revenue_retention', metric_month, 'all', nrr_numerator / nullif(starting_mrr, 0)
from nrr_monthly
order by kpi, metric_month, dimension
