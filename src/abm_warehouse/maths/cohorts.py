"""Cohort retention of paying accounts (catalog section G), on any engine.

The dbt Python model ``kpi_cohort_retention`` is a thin wrapper around :func:`cohort_retention`,
which takes a DuckDB relation, a PySpark DataFrame or a pandas frame: the row-level work (as-of
filter, one MRR per account and month, each account's cohort, starting MRR and segment) runs in
the engine through narwhals (:mod:`abm_warehouse.maths.frames`); pandas gets one row per account and
one per account and month with a non-zero MRR, lays out the cohort x month grid and sums.
The sums stay in one pandas group-by on purpose: starting, retained and gross MRR are then added
in the same order, so retention is exactly 1 at k = 0 and gross retention never exceeds 1
(separate sums in the engine differ in the last bits).

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
denominator is 0. Several rows of one account and month are summed (fct_mrr_movements has one);
their segment is then the greatest of them. Rows come per segment ('ABM', 'non-ABM', as given
per account) and for 'all'.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from abm_warehouse.maths import frames

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

# The column types of an empty result (no paying account: e.g. extracts without billing).
# pandas types an empty object column as nothing, and DuckDB would store it as type NULL.
EMPTY_DTYPES: dict[str, Any] = {
    "segment": "string",
    "cohort_month": frames.DATE_DTYPE,
    "months_since_start": "int64",
    "metric_month": frames.DATE_DTYPE,
    "cohort_size": "int64",
    "active_accounts": "int64",
    "logo_retention_rate": "float64",
    "cohort_starting_mrr": "float64",
    "retained_mrr": "float64",
    "revenue_retention_rate": "float64",
    "gross_retained_mrr": "float64",
    "gross_revenue_retention_rate": "float64",
}


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    num = numerator.astype("float64")
    den = denominator.astype("float64")
    return (num / den.where(den != 0)).astype("float64")


def account_months_aggregate(
    account_months: Any, as_of_month, *, mrr_column: str = "mrr"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The account-level inputs of the cohort table, computed in the input's engine.

    Returns (``accounts``, ``paid_months``) as pandas frames, months as
    :func:`frames.month_key` integers:

    * ``accounts``: one row per account with a month of MRR > 0 up to the as-of month:
      ``account_id``, ``cohort_key`` (first such month), ``starting_mrr`` (its MRR) and
      ``segment`` (the one of its latest month);
    * ``paid_months``: one row per account and month from its cohort month to the as-of month
      with a non-zero MRR: ``account_id``, ``metric_key``, ``mrr``.
    """
    as_of = frames.month_key_of(as_of_month)
    rows = frames.lazy(account_months, dates=("metric_month",)).select(
        nw.col("account_id").cast(nw.String),
        frames.month_key("metric_month").alias("metric_key"),
        nw.col("segment").cast(nw.String),
        nw.col(mrr_column).cast(nw.Float64).fill_null(0.0).alias("mrr"),
    )
    # one MRR per account and month (duplicate rows would double count)
    months = (
        rows.filter(nw.col("metric_key") <= as_of)
        .group_by("account_id", "metric_key")
        .agg(nw.col("mrr").sum(), nw.col("segment").max())
    )
    # the account's segment is its latest one (the current ABM tier)
    latest = (
        months.group_by("account_id")
        .agg(nw.col("metric_key").max())
        .join(months, on=["account_id", "metric_key"])
        .select("account_id", "segment")
    )
    # cohort = first month with MRR > 0; its MRR is the starting MRR
    accounts = (
        months.filter(nw.col("mrr") > 0)
        .group_by("account_id")
        .agg(nw.col("metric_key").min().alias("cohort_key"))
        .join(
            months.select(
                "account_id",
                nw.col("metric_key").alias("cohort_key"),
                nw.col("mrr").alias("starting_mrr"),
            ),
            on=["account_id", "cohort_key"],
        )
        .join(latest, on="account_id")
    )
    paid_months = (
        months.filter(nw.col("mrr") != 0)
        .join(accounts.select("account_id", "cohort_key"), on="account_id")
        .filter(nw.col("metric_key") >= nw.col("cohort_key"))
        .select("account_id", "metric_key", "mrr")
    )
    accounts = frames.to_pandas(accounts).sort_values("account_id", ignore_index=True)
    paid_months = frames.to_pandas(paid_months)
    return (
        accounts.astype({"cohort_key": "int64", "starting_mrr": "float64"}),
        paid_months.astype({"metric_key": "int64", "mrr": "float64"}),
    )


def cohort_retention(
    account_months: Any,
    as_of_month,
    *,
    mrr_column: str = "mrr",
) -> pd.DataFrame:
    """Long-format cohort retention: one row per segment, cohort month and months since start.

    ``account_months`` (a DuckDB relation, a PySpark DataFrame or a pandas frame) holds one row
    per account and month: ``account_id``, ``metric_month`` (any date of the month),
    ``segment`` and the month-end MRR in ``mrr_column``. ``as_of_month`` is the last month of
    the warehouse (any date in it).
    """
    as_of = frames.month_key_of(as_of_month)
    accounts, paid_months = account_months_aggregate(
        account_months, as_of_month, mrr_column=mrr_column
    )
    if accounts.empty:
        return pd.DataFrame({c: pd.Series(dtype=EMPTY_DTYPES[c]) for c in OUTPUT_COLUMNS})

    # every account from its cohort month (k = 0) to the as-of month
    span = (as_of - accounts["cohort_key"].to_numpy(dtype="int64")) + 1
    expanded = accounts.loc[accounts.index.repeat(span)].reset_index(drop=True)
    expanded["months_since_start"] = np.concatenate([np.arange(n) for n in span])
    expanded["metric_key"] = expanded["cohort_key"] + expanded["months_since_start"]
    expanded = expanded.merge(paid_months, on=["account_id", "metric_key"], how="left")
    expanded["mrr"] = expanded["mrr"].fillna(0.0)
    expanded["is_active"] = (expanded["mrr"] > 0).astype(int)
    expanded["gross_mrr"] = np.minimum(expanded["mrr"], expanded["starting_mrr"])

    both = pd.concat([expanded, expanded.assign(segment=ALL_SEGMENTS)], ignore_index=True)
    out = both.groupby(
        ["segment", "cohort_key", "months_since_start", "metric_key"], as_index=False
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
    out["segment"] = out["segment"].astype(str)
    out["cohort_month"] = out["cohort_key"].map(frames.month_start)
    out["metric_month"] = out["metric_key"].map(frames.month_start)
    for column in ("months_since_start", "cohort_size", "active_accounts"):
        out[column] = out[column].astype("int64")
    return (
        out[OUTPUT_COLUMNS]
        .sort_values(["segment", "cohort_month", "months_since_start"])
        .reset_index(drop=True)
    )
