"""Assembly of the LTV marts from subscription lifetimes (the dbt Python models are thin).

* :func:`fit_groups` -> ``kpi_ltv_sbg_fits``: one sBG fit per billing interval x segment
  ('all', 'ABM', 'non-ABM'); groups below the minimum sample size are published with a NULL
  fit and the reason.
* :func:`survival_curves` -> ``kpi_ltv_survival_curve``: projected survival / retention per
  group and period, next to the observed (Kaplan-Meier) survival of the same lifetimes.
* :func:`account_ltv` -> ``fct_account_ltv``: historical LTV, DERL and predicted LTV per account.

Input columns (int_subscription_lifetimes): lifetime_id, account_id, segment, billing_interval,
started_at, end_state ('active' / 'churned' / 'switched_interval'), is_churned, renewals,
period_amount_reporting. The maths is in :mod:`abm_warehouse.maths.sbg`.

Every entry point takes its inputs as a DuckDB relation, a PySpark DataFrame or a pandas frame
(:mod:`abm_warehouse.maths.frames`): the sBG fits and the survival curves only need the number of
lifetimes per billing interval, segment, renewals and churn flag (:func:`lifetime_counts`),
counted in the engine; :func:`account_ltv` reads the lifetimes' columns it needs (one row per
subscription lifetime) and the revenue per account.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from abm_warehouse.maths import frames, sbg

INTERVALS = ("month", "year")
SEGMENTS = ("all", "ABM", "non-ABM")

FIT_COLUMNS = {
    "billing_interval": "object",
    "segment": "object",
    "sample_size": "int64",
    "churned_count": "int64",
    "censored_count": "int64",
    "max_renewals": "Int64",
    "alpha": "Float64",
    "beta": "Float64",
    "log_likelihood": "Float64",
    "converged": "bool",
    "fit_status": "object",
    "fit_note": "object",
    "mean_churn_probability": "Float64",
    "period_discount_rate": "float64",
    "discounted_expected_lifetime": "Float64",
}


COUNT_KEYS = ["billing_interval", "segment", "renewals", "is_churned"]


def lifetime_counts(lifetimes: Any) -> pd.DataFrame:
    """Lifetimes per billing interval, segment, renewals and churn flag (column ``lifetimes``).

    The only aggregate the sBG fits and the Kaplan-Meier curves need, computed in the engine.
    """
    counts = (
        frames.lazy(lifetimes)
        .select(
            nw.col("billing_interval").cast(nw.String),
            nw.col("segment").cast(nw.String),
            nw.col("renewals").cast(nw.Int64),
            nw.col("is_churned").cast(nw.Boolean).fill_null(False),
        )
        .group_by(*COUNT_KEYS)
        .agg(nw.len().alias("lifetimes"))
    )
    out = frames.to_pandas(counts).sort_values(COUNT_KEYS, ignore_index=True)
    return out.astype({"renewals": "int64", "is_churned": "bool", "lifetimes": "int64"})


def _group(counts: pd.DataFrame, interval: str, segment: str) -> pd.DataFrame:
    rows = counts["billing_interval"] == interval
    if segment != "all":
        rows &= counts["segment"] == segment
    return counts[rows]


def fit_groups(lifetimes: Any, min_sample_size: int, annual_discount_rate: float) -> pd.DataFrame:
    """One row per billing interval x segment with its sBG fit (NULL parameters when unusable)."""
    counts = lifetime_counts(lifetimes)
    rows = []
    for interval in INTERVALS:
        d = sbg.period_discount_rate(annual_discount_rate, interval)
        for segment in SEGMENTS:
            group = _group(counts, interval, segment)
            churned = group["is_churned"].to_numpy(dtype=bool)
            renewals = group["renewals"].to_numpy(dtype=float)
            weights = group["lifetimes"].to_numpy(dtype="int64")
            sample_size = int(weights.sum())
            row = {
                "billing_interval": interval,
                "segment": segment,
                "sample_size": sample_size,
                "churned_count": int(weights[churned].sum()),
                "censored_count": int(weights[~churned].sum()),
                "max_renewals": int(renewals.max()) if sample_size else None,
                "alpha": None,
                "beta": None,
                "log_likelihood": None,
                "converged": False,
                "mean_churn_probability": None,
                "period_discount_rate": d,
                "discounted_expected_lifetime": None,
            }
            try:
                fit = sbg.fit_sbg(
                    renewals, churned, weights.astype(float), min_sample_size=min_sample_size
                )
            except sbg.InsufficientDataError:
                row["fit_status"] = "insufficient_sample"
                row["fit_note"] = (
                    f"{sample_size} lifetimes, fewer than var sbg_min_sample_size = "
                    f"{min_sample_size}: not fitted"
                )
                rows.append(row)
                continue
            if fit.converged:
                row.update(
                    alpha=fit.alpha,
                    beta=fit.beta,
                    log_likelihood=fit.log_likelihood,
                    converged=True,
                    mean_churn_probability=fit.mean_churn_probability,
                    discounted_expected_lifetime=sbg.discounted_expected_lifetime(
                        d, fit.alpha, fit.beta
                    ),
                )
                homogeneous = fit.message.startswith("homogeneous limit")
                row["fit_status"] = "homogeneous_limit" if homogeneous else "fitted"
            else:
                row["fit_status"] = "not_converged"
            row["fit_note"] = fit.message
            rows.append(row)
    return pd.DataFrame(rows, columns=list(FIT_COLUMNS)).astype(FIT_COLUMNS)


def _usable_fits(fits: Any) -> dict[tuple[str, str], tuple[float, float, float]]:
    if not isinstance(fits, pd.DataFrame):  # a relation of kpi_ltv_sbg_fits: six rows
        fits = frames.to_pandas(frames.lazy(fits))
    out = {}
    for row in fits.itertuples(index=False):
        if bool(row.converged) and pd.notna(row.alpha) and pd.notna(row.beta):
            out[(row.billing_interval, row.segment)] = (
                float(row.alpha),
                float(row.beta),
                float(row.period_discount_rate),
            )
    return out


def kaplan_meier(renewals, churned, periods: int, weights=None) -> pd.DataFrame:
    """Observed survival by period t = 0..periods (discrete Kaplan-Meier with censoring).

    At risk at t: lifetimes known to reach renewal decision t (churned with n + 1 >= t, censored
    with n >= t); churned at t: churned lifetimes with n + 1 = t (T = t). observed_survival(t)
    = prod_{k <= t} (1 - churned_k / at_risk_k), NULL once nobody is at risk.
    ``weights[i]`` (whole numbers, default 1 each): how many lifetimes row i stands for.
    """
    n = np.asarray(renewals, dtype=int)
    c = np.asarray(churned, dtype=bool)
    w = np.ones(len(n), dtype=int) if weights is None else np.asarray(weights, dtype=int)
    t = np.arange(periods + 1)
    at_risk = np.array([np.sum(w[c & (n + 1 >= k)]) + np.sum(w[~c & (n >= k)]) for k in t])
    at_risk[0] = np.sum(w)
    churned_at = np.array([np.sum(w[c & (n + 1 == k)]) for k in t])
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, churned_at / np.maximum(at_risk, 1), np.nan)
    hazard[0] = 0.0
    survival = np.cumprod(1.0 - hazard)
    observed_retention = np.where((t >= 1) & (at_risk > 0), 1.0 - hazard, np.nan)
    return pd.DataFrame(
        {
            "period": t,
            "at_risk": at_risk,
            "churned": churned_at,
            "observed_survival": survival,
            "observed_retention_rate": observed_retention,
        }
    )


def survival_curves(lifetimes: Any, fits: Any, periods: dict[str, int]) -> pd.DataFrame:
    """One row per fit group and period 0..periods[interval]: projected and observed survival."""
    usable = _usable_fits(fits)
    counts = lifetime_counts(lifetimes)
    curves = []
    for interval in INTERVALS:
        horizon = int(periods[interval])
        for segment in SEGMENTS:
            group = _group(counts, interval, segment)
            frame = kaplan_meier(
                group["renewals"], group["is_churned"], horizon, weights=group["lifetimes"]
            )
            t = frame["period"].to_numpy()
            if (interval, segment) in usable:
                alpha, beta, _ = usable[(interval, segment)]
                frame["projected_survival"] = sbg.survival(t, alpha, beta)
                frame["projected_retention_rate"] = np.where(
                    t >= 1, sbg.retention_rate(np.maximum(t, 1), alpha, beta), np.nan
                )
                frame["projected_churn_probability"] = np.where(
                    t >= 1, sbg.churn_probability(t, alpha, beta), np.nan
                )
            else:
                for column in (
                    "projected_survival",
                    "projected_retention_rate",
                    "projected_churn_probability",
                ):
                    frame[column] = np.nan
            frame.insert(0, "segment", segment)
            frame.insert(0, "billing_interval", interval)
            frame["has_fit"] = (interval, segment) in usable
            curves.append(frame)
    out = pd.concat(curves, ignore_index=True)
    floats = [
        "observed_survival",
        "observed_retention_rate",
        "projected_survival",
        "projected_retention_rate",
        "projected_churn_probability",
    ]
    # Nullable floats: NaN (no one at risk, no fit) is published as NULL.
    out[floats] = out[floats].astype("Float64").mask(out[floats].isna())
    return out.astype({"period": "int64", "at_risk": "int64", "churned": "int64"})


ACCOUNT_COLUMNS = {
    "account_id": "object",
    "segment": "object",
    "billing_interval": "object",
    "current_lifetime_id": "object",
    "is_active_customer": "bool",
    "active_lifetimes": "int64",
    "renewals": "int64",
    "arpa_per_period": "Float64",
    "paid_invoices": "int64",
    "revenue_to_date": "float64",
    "ltv_historical": "float64",
    "period_discount_rate": "Float64",
    "derl": "Float64",
    "fit_segment": "object",
    "fit_note": "object",
    "ltv_predicted": "Float64",
    "ltv_total": "Float64",
}


def _account_inputs(lifetimes: Any, revenue: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The lifetimes account_ltv reads and the revenue per account, as pandas.

    Only the active lifetimes and, for an account without any, its latest lifetime (greatest
    started_at, then lifetime_id) leave the engine: one row per account, a few more for
    accounts with an active monthly and an active annual lifetime.
    """
    text = ["lifetime_id", "account_id", "segment", "billing_interval", "end_state"]
    rows = frames.lazy(lifetimes, dates=("started_at",)).select(
        *(nw.col(c).cast(nw.String) for c in text),
        nw.col("started_at"),
        nw.col("renewals").cast(nw.Int64),
        nw.col("period_amount_reporting").cast(nw.Float64),
    )
    is_active = nw.col("end_state") == "active"
    inactive = (
        rows.with_columns(is_active.cast(nw.Int64).alias("is_active"))
        .group_by("account_id")
        .agg(nw.col("is_active").sum(), nw.col("started_at").max())
        .filter(nw.col("is_active") == 0)
        .select("account_id", "started_at")
    )
    latest = rows.join(inactive, on=["account_id", "started_at"])
    latest = latest.join(
        latest.group_by("account_id").agg(nw.col("lifetime_id").max()),
        on=["account_id", "lifetime_id"],
    )
    lifetime_rows = frames.to_pandas(
        nw.concat([rows.filter(is_active), latest.select(rows.columns)])
    )
    revenue = (
        frames.lazy(revenue)
        .select(
            nw.col("account_id").cast(nw.String),
            nw.col("paid_invoices").cast(nw.Int64),
            nw.col("revenue_to_date").cast(nw.Float64),
            nw.col("ltv_historical").cast(nw.Float64),
        )
        .pipe(frames.to_pandas)
    )
    return lifetime_rows, revenue


def account_ltv(lifetimes: Any, revenue: Any, fits: Any, gross_margin: float) -> pd.DataFrame:
    """One row per account with a paid subscription lifetime.

    ltv_predicted = ARPA x gross_margin x DERL(d | alpha, beta, renewals) summed over the
    account's active lifetimes, with the fit of its interval and segment, else the interval's
    'all' fit; 0 for an account without an active lifetime; NULL when no fit is usable or the
    period amount is unknown (unknown currency).

    The account's current lifetime is its latest active one (by started_at, then lifetime_id),
    else its latest lifetime; its renewals, ARPA, DERL and fit are the account's. Column-wise
    (one DERL evaluation per fit group, no loop over accounts): cost ~ lifetimes.
    """
    usable = _usable_fits(fits)
    lifetimes, revenue = _account_inputs(lifetimes, revenue)
    ordered = lifetimes.sort_values(["account_id", "started_at", "lifetime_id"], ignore_index=True)
    ordered["is_active"] = ordered["end_state"] == "active"
    active_per_account = ordered.groupby("account_id", sort=False)["is_active"].transform("sum")
    # the current lifetime: the last active row of an account with one, else its last row
    candidates = ordered[ordered["is_active"] | (active_per_account == 0)]
    current = candidates.drop_duplicates("account_id", keep="last").set_index("account_id")

    active = ordered[ordered["is_active"]].copy()
    usable_keys = pd.MultiIndex.from_tuples(list(usable) or [("", "")])
    interval = active["billing_interval"].to_numpy()
    own_fit = pd.MultiIndex.from_arrays([interval, active["segment"]]).isin(usable_keys)
    active["fit_segment"] = np.where(own_fit, active["segment"], "all")
    active["has_fit"] = pd.MultiIndex.from_arrays([interval, active["fit_segment"]]).isin(
        usable_keys
    )
    active["derl"] = np.nan
    active["period_discount_rate"] = np.nan
    with_fit = active[active["has_fit"]]
    for (fit_interval, fit_segment), rows in with_fit.groupby(
        ["billing_interval", "fit_segment"], sort=False
    ).groups.items():
        alpha, beta, d = usable[(fit_interval, fit_segment)]
        renewals = active.loc[rows, "renewals"].to_numpy(dtype=int)
        active.loc[rows, "derl"] = np.asarray(sbg.derl(d, alpha, beta, renewals), dtype=float)
        active.loc[rows, "period_discount_rate"] = d
    active["is_current"] = (
        active["lifetime_id"].to_numpy()
        == current.loc[active["account_id"], "lifetime_id"].to_numpy()
    )
    # an unusable fit or an unknown amount makes the account's prediction unknown
    active["term"] = active["period_amount_reporting"] * gross_margin * active["derl"]
    active["unknown"] = active["term"].isna()
    per_account = active.groupby("account_id", sort=False).agg(
        active_lifetimes=("is_active", "size"),
        unknown=("unknown", "any"),
        ltv_predicted=("term", "sum"),
    )
    per_account.loc[per_account["unknown"], "ltv_predicted"] = np.nan
    active["note"] = np.where(
        active["has_fit"],
        active["billing_interval"] + " fit of segment " + active["fit_segment"],
        "no usable " + active["billing_interval"] + " fit",
    )
    noted = active[~active["has_fit"] | active["is_current"]]
    notes = noted.groupby("account_id", sort=False)["note"].agg("; ".join)
    current_fit = active[active["is_current"] & active["has_fit"]].set_index("account_id")

    out = pd.DataFrame(index=current.index.sort_values())
    cur = current.loc[out.index]
    out["segment"] = cur["segment"]
    out["billing_interval"] = cur["billing_interval"]
    out["current_lifetime_id"] = cur["lifetime_id"]
    out["active_lifetimes"] = per_account["active_lifetimes"].reindex(out.index).fillna(0)
    out["is_active_customer"] = out["active_lifetimes"] > 0
    out["renewals"] = cur["renewals"].astype("int64")
    out["arpa_per_period"] = cur["period_amount_reporting"].where(out["is_active_customer"])
    paid = revenue.set_index("account_id").reindex(out.index)
    has_revenue = out.index.isin(revenue["account_id"])
    out["paid_invoices"] = paid["paid_invoices"].where(has_revenue, 0)
    out["revenue_to_date"] = paid["revenue_to_date"].where(has_revenue, 0.0)
    out["ltv_historical"] = paid["ltv_historical"].where(has_revenue, 0.0)
    inactive = ~out["is_active_customer"]
    out["period_discount_rate"] = current_fit["period_discount_rate"].reindex(out.index)
    out["derl"] = current_fit["derl"].reindex(out.index).mask(inactive, 0.0)
    out["fit_segment"] = current_fit["fit_segment"].reindex(out.index)
    out["fit_note"] = notes.reindex(out.index).mask(inactive, "no active paid subscription")
    out["ltv_predicted"] = per_account["ltv_predicted"].reindex(out.index).mask(inactive, 0.0)
    out["ltv_total"] = out["ltv_historical"] + out["ltv_predicted"]  # NaN (NULL) stays NaN
    out = out.rename_axis("account_id").reset_index()[list(ACCOUNT_COLUMNS)]
    return frames.typed_when_empty(out.astype(ACCOUNT_COLUMNS))
