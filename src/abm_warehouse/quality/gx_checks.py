"""Great Expectations suites of the marts: run every suite on a built warehouse, build Data Docs.

One suite per mart (every `dim_`, `fct_` and `kpi_` model of the dbt manifest), made of
  * expectations generated from the manifest, so a new mart is covered the day it lands:
    the grain (`unique_combination_of_columns`, or `unique`) is unique and its key columns
    are not NULL, `not_null` and `accepted_values` columns hold, every column with an
    `is_rate` test is in [0, 1], and the table is not empty;
  * the hand-written rules of `MART_RULES`: ranges (scores 0-100, NPS -100..100, money and
    counts >= 0 where they must be), allowed value sets (segment, channel, attribution model,
    read from the reference seeds where a seed defines them), column-pair orderings;
and derived suites on computed frames (`DERIVED_SUITES`): attribution weights per
opportunity x model sum to 1, month grids are complete (rows = months x segments, months
contiguous, the same months in every month-grid mart), 'all' rows equal ABM + non-ABM.

GX's SQL datasource over duckdb-engine returns empty results, so every mart is read with the
pinned duckdb (read-only: safe beside BI readers) into pandas and validated through GX's
pandas DataFrame datasource in an ephemeral context: nothing is written besides Data Docs
(and, while worker processes run, their validation results in a temporary folder), nothing
is downloaded, usage statistics are off. Exit code 1 when any expectation fails.

Speed: GX's cost is per expectation (building its metric graph, in pure Python), so the
suites run in forked worker processes (`--jobs`, one per CPU up to 4), each expectation
first in GX's BASIC result format (a failing suite again in SUMMARY, what the report and
Data Docs show), and GX is imported only when a suite runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas and GX load only when a suite runs: a no-op check stays light
    import pandas as pd

MART_SCHEMA = "marts"
REFERENCE_SCHEMA = "reference"
MART_PREFIXES = ("dim_", "fct_", "kpi_")
DEFAULT_DOCS = "gx_docs"  # under the dbt target path
# A mart with more rows is not loaded into pandas (its dbt tests still run): ~20 columns of
# 2M rows is about 1 GB in memory.
DEFAULT_MAX_ROWS = 2_000_000

SEGMENTS = ("ABM", "non-ABM")
REPORTING_SEGMENTS = ("ABM", "non-ABM", "all")
ATTRIBUTION_MODELS = ("first_touch", "last_touch", "linear", "u_shaped", "w_shaped", "time_decay")
WEIGHT_TOLERANCE = 1e-6
MONEY_TOLERANCE = 0.01
RATE_TOLERANCE = 1e-9  # sums of converted amounts differ in the last float bits


# ---------------------------------------------------------------------------- suites as data


@dataclass(frozen=True)
class Expect:
    """One expectation: a GX expectation class name, its arguments and why it is there."""

    kind: str
    kwargs: dict[str, Any]
    why: str = ""

    def key(self) -> tuple[str, str]:
        return self.kind, json.dumps(self.kwargs, sort_keys=True, default=str)


@dataclass
class Suite:
    """Expectations on one frame: a mart as read, or a frame computed from marts (`derive`)."""

    name: str
    sources: tuple[str, ...]
    expectations: list[Expect] = field(default_factory=list)
    derive: Callable[[dict[str, pd.DataFrame]], pd.DataFrame] | None = None
    description: str = ""

    def add(self, *expectations: Expect) -> None:
        seen = {e.key() for e in self.expectations}
        for e in expectations:
            if e.key() not in seen:
                self.expectations.append(e)
                seen.add(e.key())

    def frame(self, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
        if self.derive is not None:
            return self.derive(frames)
        return frames[self.sources[0]]


def not_null(column: str, why: str = "key column") -> Expect:
    return Expect("ExpectColumnValuesToNotBeNull", {"column": column}, why)


def between(column: str, low: float | None, high: float | None, why: str) -> Expect:
    return Expect(
        "ExpectColumnValuesToBeBetween",
        {"column": column, "min_value": low, "max_value": high},
        why,
    )


def in_set(column: str, values: Iterable[Any], why: str) -> Expect:
    return Expect("ExpectColumnValuesToBeInSet", {"column": column, "value_set": list(values)}, why)


def pair_ge(a: str, b: str, why: str) -> Expect:
    """a >= b on every row where both are present."""
    return Expect(
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {
            "column_A": a,
            "column_B": b,
            "or_equal": True,
            "ignore_row_if": "either_value_is_missing",
        },
        why,
    )


def pair_equal(a: str, b: str, why: str) -> Expect:
    return Expect(
        "ExpectColumnPairValuesToBeEqual",
        {"column_A": a, "column_B": b, "ignore_row_if": "either_value_is_missing"},
        why,
    )


def unique_grain(columns: list[str], why: str = "grain") -> Expect:
    if len(columns) == 1:
        return Expect("ExpectColumnValuesToBeUnique", {"column": columns[0]}, why)
    return Expect(
        "ExpectCompoundColumnsToBeUnique",
        {"column_list": list(columns), "ignore_row_if": "never"},
        why,
    )


def rows_between(low: int | None, high: int | None, why: str) -> Expect:
    return Expect("ExpectTableRowCountToBeBetween", {"min_value": low, "max_value": high}, why)


# ---------------------------------------------------------------------------- the manifest


@dataclass
class MartSpec:
    """What the manifest says about one mart: columns and the dbt tests on them."""

    name: str
    columns: list[str] = field(default_factory=list)
    grain: list[str] = field(default_factory=list)
    not_null: set[str] = field(default_factory=set)
    unique: set[str] = field(default_factory=set)
    rates: set[str] = field(default_factory=set)
    # is_rate tests with a `where` that names a boolean column: the rate holds on those rows
    conditional_rates: dict[str, str] = field(default_factory=dict)
    accepted: dict[str, list[Any]] = field(default_factory=dict)


def _test_kwargs(node: dict[str, Any]) -> dict[str, Any]:
    kwargs = dict((node.get("test_metadata") or {}).get("kwargs") or {})
    kwargs.update(kwargs.pop("arguments", None) or {})
    return kwargs


def marts_from_manifest(manifest: dict[str, Any]) -> dict[str, MartSpec]:
    """Every enabled mart model (schema marts, name dim_/fct_/kpi_) and its tests."""
    marts: dict[str, MartSpec] = {}
    ids: dict[str, str] = {}
    for uid, node in manifest.get("nodes", {}).items():
        if node.get("resource_type") != "model" or node.get("schema") != MART_SCHEMA:
            continue
        if not node["name"].startswith(MART_PREFIXES):
            continue
        marts[node["name"]] = MartSpec(node["name"], columns=list(node.get("columns") or {}))
        ids[uid] = node["name"]
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "test" or not node.get("test_metadata"):
            continue
        mart = marts.get(ids.get(node.get("attached_node") or "", ""))
        if mart is None:
            continue
        name = node["test_metadata"]["name"]
        kwargs = _test_kwargs(node)
        column = node.get("column_name") or kwargs.get("column_name")
        where = (node.get("config") or {}).get("where")
        if where:
            # A test on a subset of rows: a rate whose subset is a boolean column is checked
            # on that subset; other filtered tests stay with dbt (their SQL filter has no
            # faithful pandas form here).
            if name == "is_rate" and column and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", where):
                mart.conditional_rates[column] = where
            continue
        if name == "unique_combination_of_columns":
            mart.grain = list(kwargs["combination_of_columns"])
        elif name == "unique" and column:
            mart.unique.add(column)
        elif name == "not_null" and column:
            mart.not_null.add(column)
        elif name == "is_rate" and column:
            mart.rates.add(column)
        elif name == "accepted_values" and column:
            mart.accepted[column] = list(kwargs["values"])
    for mart in marts.values():
        if not mart.grain and mart.unique:
            keys = sorted(mart.unique & mart.not_null) or sorted(mart.unique)
            mart.grain = [keys[0]]
    return dict(sorted(marts.items()))


def load_manifest(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: run `dbt parse` (or build) first, or pass --manifest"
        )
    return json.loads(path.read_text())


# ---------------------------------------------------------------------------- hand-written rules

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


# ---------------------------------------------------------------------------- derived frames


def attribution_weight_sums(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per opportunity x attribution model: the sum of its weights."""
    attribution = frames["fct_attribution"]
    return (
        attribution.groupby(["opportunity_id", "attribution_model"], dropna=False)[
            "attribution_weight"
        ]
        .sum()
        .rename("weight_sum")
        .reset_index()
    )


def month_grid(
    mart: str, month: str, dimensions: tuple[str, ...]
) -> Callable[[dict[str, pd.DataFrame]], pd.DataFrame]:
    """One row: rows, distinct months, months spanned, rows of a full months x dims grid."""

    def derive(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
        import pandas as pd

        frame = frames[mart]
        months = pd.to_datetime(frame[month]).dropna()
        span = 0
        if len(months):
            lo, hi = months.min(), months.max()
            step = 3 if month == "metric_quarter" else 1
            span = ((hi.year - lo.year) * 12 + hi.month - lo.month) // step + 1
        grid = months.nunique()
        for dim in dimensions:
            grid *= frame[dim].nunique(dropna=False)
        return pd.DataFrame(
            {
                "rows": [len(frame)],
                "months": [months.nunique()],
                "months_spanned": [span],
                "grid_rows": [grid],
            }
        )

    return derive


def same_months(marts: tuple[str, ...], month: str = "metric_month"):
    """One row per mart: its distinct months, and those of the first (the int_months grid)."""

    def derive(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
        import pandas as pd

        reference = set(pd.to_datetime(frames[marts[0]][month]).dropna())
        rows = []
        for mart in marts:
            own = set(pd.to_datetime(frames[mart][month]).dropna())
            rows.append(
                {
                    "mart": mart,
                    "months": len(own),
                    "reference_months": len(reference),
                    "months_not_in_reference": len(own - reference),
                    "reference_months_missing": len(reference - own),
                }
            )
        return pd.DataFrame(rows)

    return derive


def segments_add_up(mart: str, keys: tuple[str, ...], columns: tuple[str, ...]):
    """One row per key: for each column, 'all' minus (ABM + non-ABM), as `<column>_gap`."""

    def derive(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
        frame = frames[mart]
        parts = frame[frame["segment"].isin(SEGMENTS)]
        summed = parts.groupby(list(keys), dropna=False)[list(columns)].sum()
        total = (
            frame[frame["segment"] == "all"].groupby(list(keys), dropna=False)[list(columns)].sum()
        )
        total, summed = total.align(summed, fill_value=0)
        return (total - summed).add_suffix("_gap").reset_index()

    return derive


def _adds_up(mart: str, columns: tuple[str, ...], keys: tuple[str, ...] = ("metric_month",)):
    return Suite(
        f"{mart}__segments_add_up",
        (mart,),
        [
            between(f"{c}_gap", -MONEY_TOLERANCE, MONEY_TOLERANCE, "'all' = ABM + non-ABM")
            for c in columns
        ],
        derive=segments_add_up(mart, keys, columns),
        description=f"Additive columns of {mart}: the 'all' row is the sum of the segments.",
    )


def all_within_segments(mart: str, keys: tuple[str, ...], rates: tuple[str, ...]):
    """One row per key: per rate, 1 when the 'all' rate lies outside [min, max] of the segments'.

    The 'all' rate is the segments' rates weighted by their denominators, so it lies between
    them whenever the segments partition 'all' (checked by the __segments_add_up suites).
    """

    def derive(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
        frame = frames[mart]
        parts = frame[frame["segment"].isin(SEGMENTS)].groupby(list(keys))[list(rates)]
        low, high = parts.min(), parts.max()
        total = frame[frame["segment"] == "all"].set_index(list(keys))[list(rates)]
        outside = (total < low - RATE_TOLERANCE) | (total > high + RATE_TOLERANCE)
        return outside.astype(int).add_suffix("_outside_segments").reset_index()

    return derive


def _grid_suite(mart: str, dims: tuple[str, ...], month: str = "metric_month") -> Suite:
    shape = f"{month} x {' x '.join(dims)}" if dims else month
    return Suite(
        f"{mart}__grid",
        (mart,),
        [
            pair_equal("rows", "grid_rows", f"one row per {shape}: the full grid"),
            pair_equal("months", "months_spanned", "no month missing between the first and last"),
            between("months", 1, None, "at least one month"),
        ],
        derive=month_grid(mart, month, dims),
        description=f"Row count of {mart} = distinct {month} x distinct {', '.join(dims) or '-'}.",
    )


def _within_segments(mart: str, rates: tuple[str, ...]) -> Suite:
    return Suite(
        f"{mart}__all_between_segments",
        (mart,),
        [
            between(f"{r}_outside_segments", 0, 0, "the 'all' rate lies between ABM and non-ABM")
            for r in rates
        ],
        derive=all_within_segments(mart, ("metric_month",), rates),
        description=f"Rates of {mart}: 'all' is a weighted mean of the segments' rates.",
    )


def derived_suites() -> list[Suite]:
    month_grid_marts = (
        "kpi_web_monthly",  # first: one row per month of int_months
        "kpi_sales_monthly",
        "kpi_funnel_monthly",
        "kpi_revenue_retention_monthly",
        "kpi_web_channels_monthly",
        "kpi_cac_monthly",
        "kpi_marketing_roi_monthly",
    )
    return [
        Suite(
            "fct_attribution__weights_sum_to_one",
            ("fct_attribution",),
            [
                between(
                    "weight_sum",
                    1 - WEIGHT_TOLERANCE,
                    1 + WEIGHT_TOLERANCE,
                    "every model distributes exactly one opportunity",
                ),
                unique_grain(["opportunity_id", "attribution_model"]),
            ],
            derive=attribution_weight_sums,
            description="Attribution weights per opportunity x model sum to 1 (catalog F).",
        ),
        Suite(
            "fct_attribution__models_per_opportunity",
            ("fct_attribution",),
            [
                Expect(
                    "ExpectColumnDistinctValuesToEqualSet",
                    {"column": "attribution_model", "value_set": list(ATTRIBUTION_MODELS)},
                    "every model is computed",
                ),
            ],
            derive=attribution_weight_sums,
        ),
        _grid_suite("kpi_sales_monthly", ("segment",)),
        _grid_suite("kpi_funnel_monthly", ("segment",)),
        _grid_suite("kpi_revenue_retention_monthly", ("segment",)),
        _grid_suite("kpi_web_monthly", ()),
        _grid_suite("kpi_web_channels_monthly", ("channel",)),
        _grid_suite("kpi_cac_monthly", ()),
        _grid_suite("kpi_marketing_roi_monthly", ("attribution_model", "cost_channel")),
        _grid_suite("kpi_nps_quarterly", ("segment",), month="metric_quarter"),
        Suite(
            "kpi_month_grids__same_months",
            month_grid_marts,
            [
                between("months_not_in_reference", 0, 0, "only reporting months (int_months)"),
                between("reference_months_missing", 0, 0, "every reporting month is present"),
            ],
            derive=same_months(month_grid_marts),
            description="Every month-grid KPI mart covers exactly the months of int_months.",
        ),
        _adds_up(
            "kpi_sales_monthly",
            ("pipeline_created_count", "won_deals", "lost_deals", "won_amount", "lost_amount"),
        ),
        _adds_up("kpi_funnel_monthly", ("new_leads", "new_mqls", "new_sqls")),
        _within_segments("kpi_sales_monthly", ("win_rate", "win_rate_by_amount")),
        _within_segments(
            "kpi_revenue_retention_monthly",
            ("customer_retention_rate", "gross_revenue_retention", "net_revenue_retention"),
        ),
        _adds_up(
            "kpi_revenue_retention_monthly",
            ("customers_start", "customers_end", "starting_mrr", "ending_mrr", "new_mrr"),
        ),
    ]


# ---------------------------------------------------------------------------- building suites


def mart_suite(
    spec: MartSpec,
    rules: Iterable[Expect] = (),
    numeric: Iterable[str] = (),
) -> Suite:
    """The suite of one mart: manifest-generated expectations, then its hand-written rules.

    `numeric` names the mart's numeric columns: in a kpi_ mart each must be >= 0 unless it
    is in SIGNED_KPI_COLUMNS.
    """
    suite = Suite(spec.name, (spec.name,), description=f"marts.{spec.name}")
    suite.add(rows_between(1, None, "the mart is not empty"))
    if spec.grain:
        suite.add(unique_grain(spec.grain, "grain (the model's primary-key test)"))
        nullable = NULLABLE_GRAIN.get(spec.name, set())
        suite.add(*(not_null(c, "grain column") for c in spec.grain if c not in nullable))
    suite.add(
        *(
            Expect("ExpectColumnValuesToBeUnique", {"column": c}, "unique")
            for c in sorted(spec.unique)
        )
    )
    suite.add(*(not_null(c, "not_null test") for c in sorted(spec.not_null)))
    suite.add(*(in_set(c, v, "accepted_values test") for c, v in sorted(spec.accepted.items())))
    suite.add(*(between(c, 0, 1, "is_rate: a rate is in [0, 1]") for c in sorted(spec.rates)))
    suite.add(
        *(
            Expect(
                "ExpectColumnValuesToBeBetween",
                {
                    "column": c,
                    "min_value": 0,
                    "max_value": 1,
                    "row_condition": f"{flag}==True",
                    "condition_parser": "pandas",
                },
                f"is_rate where {flag}: a rate is in [0, 1]",
            )
            for c, flag in sorted(spec.conditional_rates.items())
        )
    )
    rules = list(rules)
    ruled = {e.kwargs.get("column") for e in rules if e.kind == "ExpectColumnValuesToBeBetween"}
    if spec.name.startswith("kpi_"):
        for column in numeric:
            signed = SIGNED_KPI_COLUMNS | SIGNED_BY_MART.get(spec.name, set())
            if column in signed or column in spec.rates or column in ruled:
                continue
            suite.add(between(column, 0, None, "KPI counts, money and durations are >= 0"))
    # A rule on a column the mart no longer has fails (GX reports the missing column).
    suite.add(*rules)
    return suite


def build_suites(
    marts: dict[str, MartSpec],
    numeric: dict[str, list[str]] | None = None,
    reference: dict[str, pd.DataFrame] | None = None,
) -> list[Suite]:
    extra = reference_rules(reference or {})
    suites = [
        mart_suite(
            spec,
            [*MART_RULES.get(name, []), *extra.get(name, [])],
            (numeric or {}).get(name, []),
        )
        for name, spec in marts.items()
    ]
    for suite in derived_suites():
        if all(s in marts for s in suite.sources):
            suites.append(suite)
    return suites


# ---------------------------------------------------------------------------- GX


def _quiet_gx() -> None:
    os.environ["GX_ANALYTICS_ENABLED"] = "false"


def new_context(docs_dir: Path | None, results_dir: Path | None = None):
    """An ephemeral GX context: in-memory stores, no analytics, Data Docs into docs_dir.

    `results_dir`: keep validation results in files there instead, so that forked workers add
    theirs to the store this process builds Data Docs from. (Suites stay in memory: a suite
    store in files would give the context an id, which Data Docs then add to their links.)
    """
    _quiet_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if docs_dir is not None:
        sites["local_site"] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir.absolute()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    if results_dir is not None:
        defaults.stores[defaults.validation_results_store_name]["store_backend"] = {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(results_dir.absolute()),
        }
    config = DataContextConfig(
        store_backend_defaults=defaults,
        analytics_enabled=False,
        data_docs_sites=sites,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(project_config=config, mode="ephemeral")


@dataclass
class SuiteResult:
    suite: str
    success: bool
    evaluated: int
    failed: list[dict[str, Any]]
    rows: int
    error: str | None = None


def _gx_suite(suite: Suite):
    import great_expectations as gx
    import great_expectations.expectations as gxe

    gx_suite = gx.ExpectationSuite(name=suite.name, meta={"notes": suite.description})
    for e in suite.expectations:
        cls = getattr(gxe, e.kind)
        gx_suite.add_expectation(cls(**e.kwargs, meta={"why": e.why} if e.why else None))
    return gx_suite


# GX's default result format: what the report (unexpected count, sample) and Data Docs (counts
# of unexpected values) show for a failing expectation.
RESULT_FORMAT = "SUMMARY"
# A first pass computes less: BASIC skips SUMMARY's unexpected-index metrics (about a fifth of
# GX's work per expectation). Pass or fail is the same in both formats, and so is what Data Docs
# show for an expectation that passes; a suite with a failing expectation is run again in
# RESULT_FORMAT under the same run id, replacing its first-pass result.
FIRST_PASS_FORMAT = "BASIC"


def _failed(result: Any) -> list[dict[str, Any]]:
    """The report's view of each failing expectation of a suite's validation result."""
    failed = []
    for r in result.results:
        if r.success:
            continue
        config = r.expectation_config
        failed.append(
            {
                "expectation": config.type,
                "kwargs": {
                    k: v
                    for k, v in config.kwargs.items()
                    if k != "batch_id" and (k != "value_set" or len(str(v)) < 120)
                },
                "unexpected_count": (r.result or {}).get("unexpected_count"),
                "observed_value": (r.result or {}).get("observed_value"),
                "sample": ((r.result or {}).get("partial_unexpected_list") or [])[:5],
                "exception": (r.exception_info or {}).get("exception_message")
                if isinstance(r.exception_info, dict)
                else None,
            }
        )
    return failed


@dataclass
class _Check:
    """One suite to run: its GX suite (added to the context), frame and run id."""

    suite: Suite
    gx_suite: Any
    frame: pd.DataFrame
    run_id: Any

    def run(self, context: Any) -> SuiteResult:
        """Add a dataframe asset and a validation definition to `context`, run the suite on
        the frame; GX stores the result in the context's validation results store."""
        import great_expectations as gx

        name = self.suite.name
        asset = context.data_sources.get("warehouse").add_dataframe_asset(name)
        batch_definition = asset.add_batch_definition_whole_dataframe("whole")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=self.gx_suite)
        )
        batch = {"dataframe": self.frame}
        run_id = self.run_id
        result = definition.run(
            batch_parameters=batch, result_format=FIRST_PASS_FORMAT, run_id=run_id
        )
        if not result.success:
            result = definition.run(
                batch_parameters=batch, result_format=RESULT_FORMAT, run_id=run_id
            )
        failed = _failed(result)
        return SuiteResult(name, not failed, len(result.results), failed, len(self.frame))


def default_jobs() -> int:
    """Worker processes for the suites: the CPUs this process may use, at most 4 (Linux;
    elsewhere 1: workers are forked, and fork is only safe to rely on there)."""
    if not sys.platform.startswith("linux"):
        return 1
    return max(1, min(4, len(os.sched_getaffinity(0))))


# Fewer suites than this per worker: not worth a worker.
MIN_SUITES_PER_JOB = 4

# What forked workers run, set just before they fork and inherited (the GX context, suites
# and frames are not pickled); read by `_run_forked`.
_FORKED: tuple[Any, list[_Check]] | None = None


def _run_forked(index: int) -> SuiteResult:
    assert _FORKED is not None
    context, checks = _FORKED
    return checks[index].run(context)


def _run_in_workers(context: Any, checks: list[_Check], jobs: int) -> list[SuiteResult] | None:
    """Each check in one of `jobs` forked workers (None: the workers could not run them).

    A worker adds its assets and validation definitions to its copy of `context`, and its
    results to the context's validation results store: for Data Docs built here, that store
    must be files shared with this process.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _FORKED
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    # the largest first: no worker is left alone with a large suite at the end
    order = sorted(
        range(len(checks)),
        key=lambda i: -len(checks[i].suite.expectations) * (1 + len(checks[i].frame) / 5000),
    )
    results: dict[int, SuiteResult] = {}
    _FORKED = (context, checks)
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            results.update(zip(order, pool.map(_run_forked, order), strict=True))
    except BrokenProcessPool:
        return None
    finally:
        _FORKED = None
    return [results[i] for i in range(len(checks))]


def validate(
    suites: list[Suite],
    frames: dict[str, pd.DataFrame],
    docs_dir: Path | None = None,
    context: Any = None,
    jobs: int = 1,
) -> list[SuiteResult]:
    """Run every suite on its frame through GX's pandas datasource; build Data Docs if asked.

    One context and datasource for the run; per suite a dataframe asset, its suite and a
    validation definition, run on its own (one batch each: a checkpoint passes the same
    dataframe to all its definitions, so it would only add a store round trip per suite).
    With `jobs` > 1 (and no `context` given) the suites run in that many forked worker
    processes: GX validates in pure Python, one core per process. Data Docs are built once,
    at the end, from the stored suites and results.
    """
    import datetime as dt
    import tempfile

    from great_expectations.core.run_identifier import RunIdentifier

    results: dict[str, SuiteResult] = {}
    runnable: list[tuple[Suite, pd.DataFrame, Any]] = []
    last = None
    for suite in suites:
        try:
            frame = suite.frame(frames)
        except Exception as exc:  # a derived frame that cannot be computed is a failure
            error = f"{type(exc).__name__}: {exc}"
            results[suite.name] = SuiteResult(suite.name, False, 0, [], 0, error)
            continue
        # The run id a checkpoint run gives it: a time, no run name. Set here, increasing in
        # suite order whichever worker runs it (Data Docs list the results by run time).
        now = dt.datetime.now(dt.UTC)
        if last is not None and now <= last:
            now = last + dt.timedelta(microseconds=1)
        last = now
        runnable.append((suite, frame, RunIdentifier(run_time=now)))
    workers = 1 if context is not None else min(jobs, len(runnable) // MIN_SUITES_PER_JOB)
    with contextlib.ExitStack() as stack:
        if context is None:
            # workers store their results in files (a temporary folder) that this process
            # builds Data Docs from
            shared = None
            if workers > 1 and docs_dir is not None:
                shared = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="abm-gx-")))
            context = new_context(docs_dir, shared)
        context.data_sources.add_or_update_pandas("warehouse")
        checks = [
            _Check(suite, context.suites.add(_gx_suite(suite)), frame, run_id)
            for suite, frame, run_id in runnable
        ]
        if workers > 1:
            summaries = _run_in_workers(context, checks, workers)
            if summaries is None:  # no worker could run them: all here, from scratch
                return validate(suites, frames, docs_dir, jobs=1)
        else:
            summaries = [check.run(context) for check in checks]
        results.update((r.suite, r) for r in summaries)
        if docs_dir is not None:
            # this run's pages only: earlier runs' validation pages would pile up in the index
            for old in ("validations", "expectations"):
                shutil.rmtree(docs_dir / old, ignore_errors=True)
            docs_dir.mkdir(parents=True, exist_ok=True)
            context.build_data_docs()
    return [results[suite.name] for suite in suites]


# ---------------------------------------------------------------------------- the warehouse


def read_frames(warehouse: Path, tables: Iterable[str], schema: str) -> dict[str, pd.DataFrame]:
    """Each existing table of `schema` as a pandas frame, read with duckdb (read-only)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        present = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [schema],
            ).fetchall()
        }
        return {
            t: con.execute(f'select * from "{schema}"."{t}"').df() for t in tables if t in present
        }
    finally:
        con.close()


def _too_large(warehouse: Path, marts: Iterable[str], max_rows: int | None) -> dict[str, int]:
    """Marts with more rows than `max_rows` (None or 0: no limit), with their row counts."""
    if not max_rows:
        return {}
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        counts = {
            name: con.execute(f'select count(*) from "{MART_SCHEMA}"."{name}"').fetchone()[0]
            for name in marts
        }
    finally:
        con.close()
    return {name: n for name, n in sorted(counts.items()) if n > max_rows}


def _numeric_columns(frame: pd.DataFrame) -> list[str]:
    import pandas as pd

    return [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]


def default_target_path() -> Path:
    return Path(os.environ.get("DBT_TARGET_PATH") or "target")


def find_manifest(given: Path | None, target: Path) -> Path:
    """--manifest, else the manifest of the dbt target path ($DBT_TARGET_PATH or target)."""
    return given if given is not None else target / "manifest.json"


def summary_lines(results: list[SuiteResult], skipped: list[str]) -> list[str]:
    lines = []
    width = max((len(r.suite) for r in results), default=10)
    for r in results:
        status = "ok  " if r.success else "FAIL"
        lines.append(
            f"  {status} {r.suite:<{width}}  {r.evaluated:3d} expectations  {r.rows:>9,} rows"
        )
        if r.error:
            lines.append(f"       error: {r.error}")
        for f in r.failed:
            detail = {k: v for k, v in f.items() if v not in (None, [], {})}
            lines.append(f"       - {json.dumps(detail, default=str)[:400]}")
    for name in skipped:
        lines.append(f"  skip {name:<{width}}  not in the warehouse")
    failed = sum(not r.success for r in results)
    total = sum(r.evaluated for r in results)
    lines.append(
        f"gx: {len(results)} suites, {total} expectations, {failed} failing suite(s)"
        + (f", {len(skipped)} mart(s) not built" if skipped else "")
    )
    return lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--warehouse", type=Path, required=True, help="DuckDB file to check")
    parser.add_argument(
        "--docs",
        type=Path,
        default=None,
        help=f"Data Docs folder (default: $DBT_TARGET_PATH or target, then /{DEFAULT_DOCS})",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not build Data Docs")
    parser.add_argument(
        "--manifest",
        type=Path,
        default=None,
        help="dbt manifest listing the marts (default: <target path>/manifest.json)",
    )
    parser.add_argument(
        "--require-all",
        action="store_true",
        help="fail when a mart of the manifest is not in the warehouse (default: skip it)",
    )
    parser.add_argument(
        "--max-rows",
        type=int,
        default=DEFAULT_MAX_ROWS,
        help="leave out (and name) marts with more rows than this: the suites run in pandas, "
        "in memory (0: no limit; default %(default)s)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="worker processes validating the suites (default: the CPUs available, at most 4; "
        "1: all in this process)",
    )
    parser.add_argument(
        "--marts",
        nargs="*",
        default=None,
        metavar="MODEL",
        help="check only these models' suites (others named are ignored; a refresh passes the "
        "models it rebuilt); cross-mart suites run when all their marts are named",
    )


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    if not args.warehouse.is_file():
        print(f"gx: {args.warehouse} does not exist", file=sys.stderr)
        return 2
    target = default_target_path()
    manifest = find_manifest(args.manifest, target)
    if not manifest.is_file():
        # dbt build writes it; a stubbed build (--build-command) may not: nothing is known
        print(f"gx: WARNING no dbt manifest at {manifest}: the marts are unknown, nothing checked")
        return 2 if args.require_all or args.manifest else 0
    marts = marts_from_manifest(load_manifest(manifest))
    if args.marts is not None:
        marts = {n: s for n, s in marts.items() if n in set(args.marts)}
        if not marts:
            print("gx: none of the models named by --marts is a mart: nothing to check")
            return 0
    import duckdb

    con = duckdb.connect(str(args.warehouse), read_only=True)
    try:
        built = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [MART_SCHEMA],
            ).fetchall()
        }
    finally:
        con.close()
    skipped = sorted(set(marts) - built)
    present = {n: s for n, s in marts.items() if n in built}
    too_large = _too_large(args.warehouse, present, args.max_rows)
    for name, rows in too_large.items():
        print(
            f"gx: {name} not checked: {rows:,} rows > --max-rows {args.max_rows:,} (the suites "
            "run in pandas, in memory; its dbt tests check its grain, keys and values in SQL)"
        )
        del present[name]
    if not present:
        # e.g. a stubbed or partial build: nothing to validate, and no reason to load GX
        print(f"gx: no mart of the dbt manifest in {args.warehouse}: nothing to check")
        return 2 if args.require_all else 0
    frames = read_frames(args.warehouse, present, MART_SCHEMA)
    reference = read_frames(
        args.warehouse, ("channel_rules", "channel_cost_mapping"), REFERENCE_SCHEMA
    )
    numeric = {n: _numeric_columns(f) for n, f in frames.items()}
    suites = build_suites(present, numeric, reference)
    docs = None if args.no_docs else (args.docs or target / DEFAULT_DOCS)
    results = validate(suites, frames, docs, jobs=args.jobs or default_jobs())
    for line in summary_lines(results, skipped):
        print(line)
    if docs is not None:
        (docs / "summary.json").write_text(
            json.dumps([r.__dict__ for r in results], indent=1, default=str)
        )
        print(f"gx: Data Docs in {docs / 'index.html'}")
    print(f"gx: {time.monotonic() - started:.1f}s")
    failed = any(not r.success for r in results) or (args.require_all and skipped)
    return 1 if failed else 0
