"""Cohort retention on hand-computed frames (abm_warehouse.maths.cohorts)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from abm_warehouse.maths.cohorts import OUTPUT_COLUMNS, cohort_retention


def _months(account: str, segment: str, values: dict[str, float]) -> list[dict]:
    return [
        {"account_id": account, "segment": segment, "metric_month": m, "mrr": v}
        for m, v in values.items()
    ]


@pytest.fixture
def account_months() -> pd.DataFrame:
    rows = (
        # A1 (ABM): paid Jan-Feb, churned in Mar, reactivated at half the MRR in Apr
        _months(
            "A1", "ABM", {"2025-01-01": 100, "2025-02-01": 100, "2025-03-01": 0, "2025-04-01": 50}
        )
        # A2 (non-ABM): expands from 200 to 300 in Feb
        + _months(
            "A2",
            "non-ABM",
            {"2025-01-01": 200, "2025-02-01": 300, "2025-03-01": 300, "2025-04-01": 300},
        )
        # A3 (non-ABM): a free month first (MRR 0), so its cohort is Feb; no April row = MRR 0
        + _months("A3", "non-ABM", {"2025-01-01": 0, "2025-02-01": 80, "2025-03-01": 40})
        # A4 never pays: in no cohort
        + _months("A4", "ABM", {"2025-03-01": 0, "2025-04-01": 0})
        # a month after the as-of month is ignored
        + _months("A2", "non-ABM", {"2025-05-01": 999})
    )
    return pd.DataFrame(rows)


def _row(out: pd.DataFrame, segment: str, cohort: str, k: int) -> pd.Series:
    hit = out[
        (out["segment"] == segment)
        & (out["cohort_month"] == date.fromisoformat(cohort))
        & (out["months_since_start"] == k)
    ]
    assert len(hit) == 1, (segment, cohort, k)
    return hit.iloc[0]


def test_grid_runs_from_each_cohort_month_to_the_as_of_month(account_months):
    out = cohort_retention(account_months, "2025-04-15")
    assert list(out.columns) == OUTPUT_COLUMNS
    # all: Jan cohort k=0..3, Feb cohort k=0..2; ABM: Jan k=0..3; non-ABM: Jan 0..3, Feb 0..2
    assert len(out) == 4 + 3 + 4 + 4 + 3
    assert out.duplicated(["segment", "cohort_month", "months_since_start"]).sum() == 0
    jan = out[(out["segment"] == "all") & (out["cohort_month"] == date(2025, 1, 1))]
    assert list(jan["months_since_start"]) == [0, 1, 2, 3]
    assert list(jan["metric_month"]) == [date(2025, m, 1) for m in (1, 2, 3, 4)]


def test_all_segment_january_cohort_hand_computed(account_months):
    out = cohort_retention(account_months, "2025-04-01")
    # cohort Jan = A1 (100) + A2 (200): size 2, starting MRR 300
    expected = {
        # k: active, retained_mrr, gross_retained (sum of min(mrr_k, mrr_0))
        0: (2, 300.0, 300.0),
        1: (2, 400.0, 300.0),  # A2 expanded to 300: net 400/300, gross min(300, 200) = 200 + 100
        2: (1, 300.0, 200.0),  # A1 churned: logo 1/2, net 300/300 = 1, gross 200/300
        3: (2, 350.0, 250.0),  # A1 back at 50: logo 1, net 350/300, gross (50 + 200)/300
    }
    for k, (active, retained, gross) in expected.items():
        row = _row(out, "all", "2025-01-01", k)
        assert row["cohort_size"] == 2
        assert row["cohort_starting_mrr"] == pytest.approx(300.0)
        assert row["active_accounts"] == active
        assert row["logo_retention_rate"] == pytest.approx(active / 2)
        assert row["retained_mrr"] == pytest.approx(retained)
        assert row["revenue_retention_rate"] == pytest.approx(retained / 300)
        assert row["gross_retained_mrr"] == pytest.approx(gross)
        assert row["gross_revenue_retention_rate"] == pytest.approx(gross / 300)


def test_first_paid_month_defines_the_cohort_and_missing_months_are_zero(account_months):
    out = cohort_retention(account_months, "2025-04-01")
    # A3's Jan at MRR 0 does not count: cohort Feb, starting MRR 80
    k0 = _row(out, "non-ABM", "2025-02-01", 0)
    k1 = _row(out, "non-ABM", "2025-02-01", 1)
    k2 = _row(out, "non-ABM", "2025-02-01", 2)
    assert (k0["cohort_size"], k0["active_accounts"], k0["logo_retention_rate"]) == (1, 1, 1.0)
    assert k1["revenue_retention_rate"] == pytest.approx(0.5)  # 40 / 80, contraction
    assert k1["logo_retention_rate"] == pytest.approx(1.0)
    assert (k2["active_accounts"], k2["retained_mrr"], k2["logo_retention_rate"]) == (0, 0.0, 0.0)
    # A4 never paid: no cohort holds it
    assert out[out["segment"] == "ABM"]["cohort_size"].max() == 1


def test_segments_split_the_cohort(account_months):
    out = cohort_retention(account_months, "2025-04-01")
    abm = _row(out, "ABM", "2025-01-01", 3)  # A1 alone: back at 50 of 100
    assert (abm["cohort_size"], abm["active_accounts"]) == (1, 1)
    assert abm["revenue_retention_rate"] == pytest.approx(0.5)
    non_abm = _row(out, "non-ABM", "2025-01-01", 1)  # A2 alone: 300 of 200
    assert non_abm["revenue_retention_rate"] == pytest.approx(1.5)
    assert non_abm["gross_revenue_retention_rate"] == pytest.approx(1.0)


def test_logo_retention_is_one_at_start_and_rates_are_bounded(account_months):
    out = cohort_retention(account_months, "2025-04-01")
    assert (out.loc[out["months_since_start"] == 0, "logo_retention_rate"] == 1.0).all()
    assert out["logo_retention_rate"].between(0, 1).all()
    assert out["gross_revenue_retention_rate"].between(0, 1).all()


def test_no_paying_account_gives_an_empty_table_with_the_columns():
    frame = pd.DataFrame(_months("A1", "ABM", {"2025-01-01": 0}))
    out = cohort_retention(frame, "2025-01-01")
    assert out.empty
    assert list(out.columns) == OUTPUT_COLUMNS


def test_an_empty_table_keeps_its_column_types_in_duckdb():
    """Extracts without billing: no paying account. DuckDB must store typed columns (an empty
    object column would become type NULL, unusable by BI tools and dbt unit tests)."""
    import duckdb

    frame = pd.DataFrame(_months("A1", "ABM", {"2025-01-01": 0}))
    out = cohort_retention(frame, "2025-01-01")
    con = duckdb.connect()
    con.register("out", out)
    types = dict(con.execute("select column_name, column_type from (describe out)").fetchall())
    assert types["segment"] == "VARCHAR"
    assert types["cohort_month"] == "DATE" and types["metric_month"] == "DATE"
    assert types["months_since_start"] == "BIGINT" and types["cohort_size"] == "BIGINT"
    assert types["logo_retention_rate"] == "DOUBLE"
    assert "NULL" not in types.values()
