"""The Python models' data work gives the same numbers on every engine (issue 11).

abm_warehouse.maths.cohorts and abm_warehouse.maths.ltv take their inputs through narwhals
(src/abm_warehouse/maths/frames.py): the same functions run here on (a) a pandas DataFrame, (b) a
DuckDB relation (what ``dbt.ref`` returns on dbt-duckdb) and (c) a local PySpark DataFrame (what
it returns on Spark / Databricks), and every output must equal the pandas one.

pyspark is not in the main venv, so the PySpark cases are skipped there
(``pytest.importorskip``); `make test-spark`'s venv (.venv-spark, requirements-spark.txt) has
pyspark and Java 17 and runs them:
``SPARK_LOCAL_IP=127.0.0.1 .venv-spark/bin/pytest -q pytests/test_frames_engines.py``.
"""

from __future__ import annotations

import os
from datetime import date

import numpy as np
import pandas as pd
import pytest

from abm_warehouse.maths import cohorts, frames, ltv

ENGINES = ["pandas", "duckdb", "pyspark"]
AS_OF = "2025-12-15"


# ------------------------------------------------------------------ inputs (pandas)


def _account_months() -> pd.DataFrame:
    """40 accounts over 2024-01..2026-01 with gaps, zero months, contraction, reactivation,
    negative and NULL MRR, months after the as-of month and one duplicated account-month."""
    rng = np.random.default_rng(11)
    rows = []
    for i in range(40):
        segment = "ABM" if i % 3 == 0 else "non-ABM"
        start = int(rng.integers(0, 20))
        level = float(rng.choice([49.0, 99.5, 250.0, 1234.56]))
        for m in range(start, 25):
            if rng.random() < 0.15:
                continue  # no row: MRR 0
            mrr = 0.0 if rng.random() < 0.2 else level * float(rng.choice([0.5, 1.0, 1.0, 1.7]))
            month = date(2024 + m // 12, m % 12 + 1, 1)
            rows.append(
                {"account_id": f"A{i:02d}", "metric_month": month, "segment": segment, "mrr": mrr}
            )
    rows[5]["mrr"] = None
    rows[9]["mrr"] = -20.0
    rows.append(dict(rows[12]))  # a duplicate account-month: summed
    frame = pd.DataFrame(rows)
    frame["metric_month"] = pd.to_datetime(frame["metric_month"])
    return frame


def _lifetimes(seed: int = 5) -> pd.DataFrame:
    """Monthly ABM / non-ABM and annual lifetimes (heterogeneous churn), as in test_ltv.py."""
    rng = np.random.default_rng(seed)
    rows = []

    def add(prefix, count, segment, interval, alpha, beta, horizon, amount):
        theta = rng.beta(alpha, beta, count)
        lifetime = rng.geometric(theta)
        observed = rng.integers(1, horizon + 1, count)
        for i in range(count):
            churned = bool(lifetime[i] <= observed[i])
            rows.append(
                {
                    "lifetime_id": f"{prefix}{i}",
                    "account_id": f"{prefix}{i // 2}",  # two lifetimes per account
                    "segment": segment,
                    "billing_interval": interval,
                    "started_at": pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(i)),
                    "end_state": "churned" if churned else "active",
                    "is_churned": churned,
                    "renewals": int(lifetime[i] - 1 if churned else observed[i]),
                    "period_amount_reporting": amount if i % 7 else np.nan,
                }
            )

    add("m", 90, "ABM", "month", 0.8, 8.0, 30, 100.0)
    add("n", 60, "non-ABM", "month", 1.5, 6.0, 30, 35.5)
    add("y", 45, "non-ABM", "year", 2.0, 6.0, 4, 1200.0)
    add("z", 12, "ABM", "year", 2.0, 6.0, 4, 5000.0)
    return pd.DataFrame(rows)


def _revenue(lifetimes: pd.DataFrame) -> pd.DataFrame:
    accounts = sorted(lifetimes["account_id"].unique())[::3]
    return pd.DataFrame(
        {
            "account_id": accounts,
            "paid_invoices": np.arange(len(accounts), dtype="int64") + 1,
            "revenue_to_date": [100.25 * (k + 1) for k in range(len(accounts))],
            "ltv_historical": [80.2 * (k + 1) for k in range(len(accounts))],
        }
    )


# ------------------------------------------------------------------ engines


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("abm-frames-engines")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "512m")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(params=ENGINES)
def to_engine(request):
    """A function turning a pandas frame into the engine's native frame (dates as DATE)."""
    if request.param == "pandas":
        yield lambda frame, dates=(): frame
        return
    if request.param == "duckdb":
        import duckdb

        con = duckdb.connect()

        def to_duckdb(frame: pd.DataFrame, dates=()):
            relation = con.from_df(frame)
            if not dates:
                return relation
            casts = ", ".join(f'cast("{c}" as date) as "{c}"' for c in dates)
            return relation.select(f"* replace ({casts})")

        yield to_duckdb
        con.close()
        return
    session = request.getfixturevalue("spark")
    from pyspark.sql import functions as F  # noqa: N812

    def to_spark(frame: pd.DataFrame, dates=()):
        sdf = session.createDataFrame(frame.astype(object).where(frame.notna(), None))
        for column in dates:
            sdf = sdf.withColumn(column, F.to_date(column))
        return sdf

    yield to_spark


def _assert_same(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        actual.reset_index(drop=True), expected.reset_index(drop=True), rtol=1e-12, atol=1e-9
    )


# ------------------------------------------------------------------ the tests


def test_native_frames_become_narwhals_lazy_frames(to_engine):
    native = to_engine(_account_months(), dates=("metric_month",))
    lazy = frames.lazy(native)
    out = frames.to_pandas(lazy.select(frames.month_key("metric_month").alias("k")))
    expected = _account_months()["metric_month"].map(frames.month_key_of)
    assert sorted(out["k"]) == sorted(expected)
    assert frames.month_start(frames.month_key_of("2025-12-15")) == date(2025, 12, 1)


def test_cohort_retention_same_on_every_engine(to_engine):
    expected = cohorts.cohort_retention(_account_months(), AS_OF)
    assert len(expected) > 100 and set(expected["segment"]) == {"ABM", "non-ABM", "all"}
    native = to_engine(_account_months(), dates=("metric_month",))
    _assert_same(cohorts.cohort_retention(native, AS_OF), expected)


def test_cohort_inputs_same_on_every_engine(to_engine):
    expected = cohorts.account_months_aggregate(_account_months(), AS_OF)
    native = to_engine(_account_months(), dates=("metric_month",))
    for got, want in zip(cohorts.account_months_aggregate(native, AS_OF), expected, strict=True):
        keys = [c for c in ("account_id", "metric_key") if c in want]
        _assert_same(got.sort_values(keys), want.sort_values(keys))


def test_lifetime_counts_and_sbg_fits_same_on_every_engine(to_engine):
    lifetimes = _lifetimes()
    native = to_engine(lifetimes, dates=("started_at",))
    _assert_same(ltv.lifetime_counts(native), ltv.lifetime_counts(lifetimes))
    expected = ltv.fit_groups(lifetimes, min_sample_size=30, annual_discount_rate=0.10)
    assert expected["converged"].sum() >= 3  # real fits, not only NULL groups
    _assert_same(ltv.fit_groups(native, 30, 0.10), expected)


def test_survival_curves_same_on_every_engine(to_engine):
    lifetimes = _lifetimes()
    fits = ltv.fit_groups(lifetimes, min_sample_size=30, annual_discount_rate=0.10)
    expected = ltv.survival_curves(lifetimes, fits, {"month": 24, "year": 6})
    got = ltv.survival_curves(
        to_engine(lifetimes, dates=("started_at",)), to_engine(fits), {"month": 24, "year": 6}
    )
    _assert_same(got, expected)


def test_account_ltv_same_on_every_engine(to_engine):
    lifetimes = _lifetimes()
    revenue = _revenue(lifetimes)
    fits = ltv.fit_groups(lifetimes, min_sample_size=30, annual_discount_rate=0.10)
    expected = ltv.account_ltv(lifetimes, revenue, fits, gross_margin=0.8)
    assert expected["ltv_predicted"].notna().sum() > 10
    got = ltv.account_ltv(
        to_engine(lifetimes, dates=("started_at",)),
        to_engine(revenue),
        to_engine(fits),
        gross_margin=0.8,
    )
    _assert_same(got, expected)


def test_account_without_active_lifetime_takes_its_latest_lifetime(to_engine):
    # Two churned lifetimes of one account started at the same time: the greater lifetime_id
    # is the current one (the pandas order of account_ltv: started_at, then lifetime_id).
    lifetimes = _lifetimes().head(4).copy()
    lifetimes["account_id"] = "T"
    lifetimes["end_state"] = "churned"
    lifetimes["is_churned"] = True
    lifetimes["started_at"] = pd.Timestamp("2024-05-01")
    lifetimes["lifetime_id"] = ["t1", "t3", "t2", "t0"]
    lifetimes["renewals"] = [1, 7, 2, 3]
    revenue = _revenue(_lifetimes()).head(1)  # another account's (Spark types no empty frame)
    fits = ltv.fit_groups(_lifetimes(), min_sample_size=30, annual_discount_rate=0.10)
    out = ltv.account_ltv(
        to_engine(lifetimes, dates=("started_at",)), to_engine(revenue), fits, gross_margin=0.8
    )
    assert out["current_lifetime_id"].tolist() == ["t3"]
    assert out["renewals"].tolist() == [7]
    assert out["ltv_predicted"].tolist() == [0.0] and not out["is_active_customer"].any()
