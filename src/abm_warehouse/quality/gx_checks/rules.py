"""The hand-written rules per mart (`MART_RULES`): ranges, allowed values, column-pair orderings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from abm_warehouse.quality.gx_checks.suites import (
    ATTRIBUTION_MODELS,
    REPORTING_SEGMENTS,
    SEGMENTS,
    Expect,
    between,
    in_set,
    pair_ge,
)

if TYPE_CHECKING:  # pandas and GX load only when a suite runs: a no-op check stays light
    import pandas as pd


# Grain columns that are NULL by definition (the reason is the model's description).
NULLABLE_GRAIN: dict[str, set[str]] = {
    "fct_attribution": {"touch_id"},  # the one 'unattributed' row of an opportunity x model
    "kpi_ads_monthly": {"campaign_id"},  # ad campaigns reporting against no CRM campaign
}

# Columns that may be negative (changes, signed scores). Every other numeric column of a
# kpi_ mart must be >= 0: counts, money, durations and rates.
SIGNED_KPI_COLUMNS = {
    "nps",
    "nps_numerator",
    "social_follower_growth",
    "amount_change",  # kpi_pipeline_monthly: net change of amounts staying in the pipeline
    "marketing_roi",
    "net_change_mrr",
    "log_likelihood",  # kpi_ltv_sbg_fits: a log-likelihood is <= 0
    # kpi_funnel_monthly: a lead score is a running sum of signed deltas (decay is -10), so
    # a month's new leads can average below 0 (the 0-24 band holds negative scores)
    "new_lead_score_mean",
    "new_lead_score_median",
}

# Long KPI tables hold every ratio KPI in one column, signed ones (ROI, NPS) included.
SIGNED_BY_MART: dict[str, set[str]] = {
    "kpi_monthly": {"kpi_value", "numerator"},
    "kpi_rollups": {"kpi_value", "numerator"},
}

NPS_RANGE = "NPS = (% promoters - % detractors) x 100 is in [-100, 100]"
SCORE_RANGE = "a 0-100 score of catalog D / G"
MONEY = "money in the reporting currency is never negative"
COUNT = "a count is never negative"


def _rules() -> dict[str, list[Expect]]:
    reporting_segment = in_set("segment", REPORTING_SEGMENTS, "reporting segment")
    account_segment = in_set("segment", SEGMENTS, "an account's segment")
    models = in_set("attribution_model", ATTRIBUTION_MODELS, "the six attribution models")
    return {
        "dim_accounts": [
            account_segment,
            between("icp_fit_score", 0, 100, SCORE_RANGE),
            between("account_health_score", 0, 100, SCORE_RANGE),
            between("nps", -100, 100, NPS_RANGE),
            between("account_engagement_score", 0, None, "weighted count of engagement"),
            between("current_mrr", 0, None, MONEY),
            between("annual_revenue", 0, None, MONEY),
            pair_ge("opportunities", "open_opportunities", "open opportunities are a subset"),
            pair_ge("opportunities", "won_opportunities", "won opportunities are a subset"),
            pair_ge("known_persons", "engaged_contacts", "engaged contacts are known persons"),
        ],
        "dim_persons": [
            account_segment,
            between("times_recycled", 0, None, COUNT),
            between("n_lead_records", 0, None, COUNT),
        ],
        "fct_account_health": [
            account_segment,
            between("account_health_score", 0, 100, SCORE_RANGE),
            between("nps", -100, 100, NPS_RANGE),
            between("mrr_now", 0, None, MONEY),
            between("mrr_3_months_ago", 0, None, MONEY),
        ],
        "fct_account_monthly": [account_segment, between("icp_fit_score", 0, 100, SCORE_RANGE)],
        "fct_account_daily": [account_segment, between("icp_fit_score", 0, 100, SCORE_RANGE)],
        "fct_opportunities": [
            account_segment,
            between("amount_reporting", 0, None, MONEY),
            between("probability", 0, 100, "stage probability in percent"),
            between("sales_cycle_days", 0, None, "close date is not before the created date"),
        ],
        "fct_touchpoints": [account_segment],
        "fct_attribution": [
            models,
            account_segment,
            between("attribution_weight", 0, 1, "a weight is a share of one opportunity"),
            between("attributed_pipeline", 0, None, MONEY),
            between("attributed_revenue", 0, None, MONEY),
            pair_ge("n_touches", "touch_rank", "a touch's rank is within the touch count"),
        ],
        "fct_mrr_movements": [
            between("starting_mrr", 0, None, MONEY),
            between("ending_mrr", 0, None, MONEY),
            between("new_mrr", 0, None, MONEY),
            between("expansion_mrr", 0, None, MONEY),
            between("reactivation_mrr", 0, None, MONEY),
        ],
        "fct_web_sessions": [
            account_segment,
            between("session_seconds", 0, None, "a session does not end before it starts"),
            pair_ge("ended_at", "started_at", "a session does not end before it starts"),
            pair_ge("n_events", "page_views", "page views are events of the session"),
        ],
        "fct_email_sends": [
            account_segment,
            between("n_opens", 0, None, COUNT),
            between("n_clicks", 0, None, COUNT),
        ],
        "fct_nps_responses": [account_segment, between("score", 0, 10, "NPS answers are 0-10")],
        "kpi_sales_monthly": [
            reporting_segment,
            pair_ge("win_rate_denominator", "win_rate_numerator", "won deals are closed deals"),
        ],
        "kpi_sales_quarterly": [reporting_segment],
        "kpi_funnel_monthly": [reporting_segment, pair_ge("new_leads", "reopened_leads", "")],
        "kpi_funnel_cohorts": [reporting_segment],
        "kpi_account_funnel_cohorts": [reporting_segment],
        "kpi_abm_monthly": [
            reporting_segment,
            pair_ge("accounts", "engaged_accounts", "engaged accounts are accounts"),
            pair_ge("accounts", "mqa_accounts", "MQAs are accounts"),
        ],
        "kpi_revenue_retention_monthly": [
            reporting_segment,
            pair_ge("customers_start", "customers_retained", "retained customers started"),
        ],
        "kpi_nps_quarterly": [reporting_segment, between("nps", -100, 100, NPS_RANGE)],
        "kpi_nps_accounts_quarterly": [account_segment, between("nps", -100, 100, NPS_RANGE)],
        "kpi_marketing_influence_monthly": [
            reporting_segment,
            in_set("influence_group", ("influenced", "not_influenced"), "influence groups"),
            pair_ge("closed_deals", "won_deals", "won deals are closed deals"),
        ],
        "kpi_marketing_roi_monthly": [models],
        "kpi_email_monthly": [
            pair_ge("emails_sent", "emails_delivered", "delivered e-mails were sent"),
            pair_ge("emails_delivered", "unique_openers", "openers received the e-mail"),
        ],
        "kpi_email_campaigns": [
            pair_ge("emails_sent", "emails_delivered", "delivered e-mails were sent"),
            pair_ge("emails_delivered", "unique_openers", "openers received the e-mail"),
        ],
        "kpi_web_monthly": [
            pair_ge("sessions", "engaged_sessions", "engaged sessions are sessions"),
            pair_ge("sessions", "bounced_sessions", "bounced sessions are sessions"),
        ],
        "kpi_web_channels_monthly": [
            pair_ge("sessions", "engaged_sessions", "engaged sessions are sessions"),
        ],
        "kpi_landing_pages_monthly": [
            pair_ge("sessions", "converting_sessions", "converting sessions are sessions"),
        ],
        "kpi_search_keywords_monthly": [
            between("search_avg_position", 1, None, "search positions start at 1"),
            pair_ge("worst_position", "best_position", "worst >= best position"),
        ],
    }


MART_RULES: dict[str, list[Expect]] = _rules()


def reference_rules(reference: dict[str, pd.DataFrame]) -> dict[str, list[Expect]]:
    """Channel value sets defined by the reference seeds (channel_rules, channel_cost_mapping)."""
    rules: dict[str, list[Expect]] = {}
    channel_rules = reference.get("channel_rules")
    if channel_rules is not None:
        web = sorted(channel_rules["channel"].dropna().unique())
        rules["fct_web_sessions"] = [in_set("channel", web, "channels of seed channel_rules")]
        rules["kpi_web_channels_monthly"] = [
            in_set("channel", [*web, "all"], "channels of seed channel_rules, and 'all'")
        ]
    mapping = reference.get("channel_cost_mapping")
    if mapping is not None:
        touch = sorted(mapping["touch_channel"].dropna().unique())
        cost = sorted(mapping["cost_channel"].dropna().unique())
        why = "touch channels of seed channel_cost_mapping"
        rules["fct_touchpoints"] = [in_set("channel", touch, why)]
        # 'unattributed': no touch; 'unknown': a touch without a channel (campaign type unknown)
        rules["fct_attribution"] = [in_set("channel", [*touch, "unattributed", "unknown"], why)]
        rules["kpi_marketing_roi_monthly"] = [
            in_set(
                "cost_channel", [*cost, "total"], "spend channels of channel_cost_mapping, 'total'"
            )
        ]
    return rules
