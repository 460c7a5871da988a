"""Cohort retention of paying accounts (catalog section G), in pandas.

The dbt Python model ``kpi_cohort_retention`` is a thin wrapper around :func:`cohort_retention`.

Definitions (one cohort = the accounts whose first month with MRR > 0 is the same month):

* ``months_since_start`` k runs from 0 (the cohort month) to the as-of month;
* ``cohort_size`` = accounts of the cohort; ``active_accounts`` = those with MRR > 0 at the end
  of month cohort + k; ``logo_retention_rate`` = active_accounts / cohort_size (1 at k = 0);
* ``cohort_starting_mrr`` = the cohort's MRR in its cohort month; ``retained_mrr`` = the cohort's
  MRR at month k (expansion included, so ``revenue_retention_rate`` = retained_mrr /
  cohort_starting_mrr can exceed 1: it is the cohort's net revenue retention);
* ``gross_retained_mrr`` = sum over the cohort's accounts of min(MRR at k, MRR at k = 0): the part
  of the starting MRR still billed; ``gross_revenue_retention_rate`` = gross_retained_mrr /
  cohort_starting_mrr, in [0, 1].

A month without a row for an account counts as MRR 0. Rates are NULL (NaN) when their
denominator is 0. Rows come per segment ('ABM', 'non-ABM', as given per account) and for 'all'.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

OUTPUT_COLUMNS = [
    "segment",
    "cohort_month",
    "months_since_start",
    "metric_month",
    "cohort_size",
    "active_accounts",
    "logo_retention_rate",
    "cohort_starting_mrr",
    "retained_mrr",
    "revenue_retention_rate",
    "gross_retained_mrr",
    "gross_revenue_retention_rate",
]

ALL_SEGMENTS = "all"


def _month_start(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.to_period("M").dt.to_timestamp()


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    num = numerator.astype("float64")
    den = denominator.astype("float64")
    return (num / den.where(den != 0)).astype("float64")


def cohort_retention(
    account_months: pd.DataFrame,
    as_of_month,
    *,
    mrr_column: str = "mrr",
) -> pd.DataFrame:
    """Long-format cohort retention: one row per segment, cohort month and months since start.

    ``account_months`` holds one row per account and month: ``account_id``, ``metric_month``
    (any date of the month), ``segment`` and the month-end MRR in ``mrr_column``.
    ``as_of_month`` is the last month of the warehouse (any date in it).
    """
    as_of = pd.Timestamp(as_of_month).to_period("M")
    frame = pd.DataFrame(
        {
            "account_id": account_months["account_id"].astype(str),
            "metric_month": _month_start(account_months["metric_month"]),
            "segment": account_months["segment"].astype(str),
            "mrr": pd.to_numeric(account_months[mrr_column], errors="coerce").fillna(0.0),
        }
    )
    frame = frame[frame["metric_month"].dt.to_period("M") <= as_of]
    # one MRR per account and month (duplicate rows would double count)
    frame = frame.groupby(["account_id", "metric_month"], as_index=False).agg(
        mrr=("mrr", "sum"), segment=("segment", "last")
    )

    paid = frame[frame["mrr"] > 0]
    if paid.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in OUTPUT_COLUMNS})

    first = paid.sort_values("metric_month").groupby("account_id", as_index=False).first()
    first = first.rename(columns={"metric_month": "cohort_month", "mrr": "starting_mrr"})
    # the account's segment is its latest one (the current ABM tier)
    latest_segment = (
        frame.sort_values("metric_month").groupby("account_id")["segment"].last().rename("seg")
    )
    first = first.drop(columns="segment").join(latest_segment, on="account_id")

    cohort_period = first["cohort_month"].dt.to_period("M")
    span = np.array([(as_of - p).n for p in cohort_period], dtype=int) + 1
    expanded = first.loc[first.index.repeat(span)].reset_index(drop=True)
    expanded["months_since_start"] = np.concatenate([np.arange(n) for n in span])
    expanded["metric_month"] = [
        (c.to_period("M") + int(k)).to_timestamp()
        for c, k in zip(expanded["cohort_month"], expanded["months_since_start"], strict=True)
    ]
    expanded = expanded.merge(
        frame[["account_id", "metric_month", "mrr"]],
        on=["account_id", "metric_month"],
        how="left",
    )
    expanded["mrr"] = expanded["mrr"].fillna(0.0)
    expanded["is_active"] = (expanded["mrr"] > 0).astype(int)
    expanded["gross_mrr"] = np.minimum(expanded["mrr"], expanded["starting_mrr"])

    by_segment = expanded.rename(columns={"seg": "segment"})
    both = pd.concat([by_segment, by_segment.assign(segment=ALL_SEGMENTS)], ignore_index=True)
    out = both.groupby(
        ["segment", "cohort_month", "months_since_start", "metric_month"], as_index=False
    ).agg(
        cohort_size=("account_id", "nunique"),
        active_accounts=("is_active", "sum"),
        cohort_starting_mrr=("starting_mrr", "sum"),
        retained_mrr=("mrr", "sum"),
        gross_retained_mrr=("gross_mrr", "sum"),
    )
    out["logo_retention_rate"] = _ratio(out["active_accounts"], out["cohort_size"])
    out["revenue_retention_rate"] = _ratio(out["retained_mrr"], out["cohort_starting_mrr"])
    out["gross_revenue_retention_rate"] = _ratio(
        out["gross_retained_mrr"], out["cohort_starting_mrr"]
    )
    out["cohort_month"] = out["cohort_month"].dt.date
    out["metric_month"] = out["metric_month"].dt.date
    for column in ("months_since_start", "cohort_size", "active_accounts"):
        out[column] = out[column].astype("int64")
    return (
        out[OUTPUT_COLUMNS]
        .sort_values(["segment", "cohort_month", "months_since_start"])
        .reset_index(drop=True)
    )
