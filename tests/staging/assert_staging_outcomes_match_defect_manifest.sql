-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.
-- For the committed sample: the rows quarantined per table and reason, and the
-- rows superseded per table, are exactly those the generator says it injected
-- (seeds/raw_sample/raw_defect_manifest.csv). Off when reading the user's own extracts.
{{ config(enabled=(var('raw_extracts_path', '') | trim == '')) }}

with expected as (

    select
        table_name,
        expected_outcome as row_outcome,
        coalesce(expected_reason, '') as reason,
        count(*) as expected_rows
    from {{ ref('raw_defect_manifest') }}
    where expected_outcome in ('quarantined', 'superseded')
    group by table_name, expected_outcome, coalesce(expected_reason, '')

),

actual as (

    select
        'account' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_salesforce__accounts') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'contact' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_salesforce__contacts') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'lead' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_salesforce__leads') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'lead_history' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_salesforce__lead_history') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'opportunity' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_salesforce__opportunities') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'opportunity_history' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_salesforce__opportunity_history') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'opportunity_contact_role' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_salesforce__opportunity_contact_roles') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'campaign' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_salesforce__campaigns') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'campaign_member' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_salesforce__campaign_members') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'task' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_salesforce__tasks') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'event' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_salesforce__events') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'user' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_salesforce__users') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'dated_conversion_rate' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_salesforce__dated_conversion_rates') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'email_campaign' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_marketing_automation__email_campaigns') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'email_event' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_marketing_automation__email_events') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'form' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_marketing_automation__forms') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'form_submission' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_marketing_automation__form_submissions') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'lead_score_change' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_marketing_automation__lead_score_changes') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'nurture_enrollment' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_marketing_automation__nurture_enrollments') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'web_event' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_web__web_events') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'identify' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_web__identifies') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'content_asset' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_web__content_assets') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'ad_performance_daily' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_ads__ad_performance_daily') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'ad_company_daily' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_ads__ad_company_daily') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'social_daily' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_social__social_daily') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'search_rank_daily' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_seo__search_rank_daily') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'subscription' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_billing__subscriptions') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'invoice' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_billing__invoices') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'nps_response' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_surveys__nps_responses') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

    union all

    select
        'spend_monthly' as table_name,
        _row_outcome as row_outcome,
        coalesce(_quarantine_reason, '') as reason,
        count(*) as actual_rows
    from {{ ref('base_finance__spend_monthly') }}
    where _row_outcome <> 'staged'
    group by _row_outcome, _quarantine_reason

),

compared as (

    select
        coalesce(expected.table_name, actual.table_name) as table_name,
        coalesce(expected.row_outcome, actual.row_outcome) as row_outcome,
        coalesce(expected.reason, actual.reason) as reason,
        coalesce(expected.expected_rows, 0) as expected_rows,
        coalesce(actual.actual_rows, 0) as actual_rows
    from expected
    full outer join actual
        on
            expected.table_name = actual.table_name
            and expected.row_outcome = actual.row_outcome
            and expected.reason = actual.reason

)

select * from compared
where expected_rows <> actual_rows
