"""The publish guard (src/abm_warehouse/ops/publish_guard.py) on small hand-made warehouses: each
implausible change is found with its key and a message naming the table and column, accepted
changes pass, and a candidate without a live warehouse passes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from abm_warehouse.ops import publish_guard as guard


def _warehouse(path: Path, *, won=(100.0, 250.0, 75.0, 0.0), amounts=(10.0, 20.0, None, 40.0),
               web_rows=3, base_rows=100) -> Path:  # fmt: skip
    con = duckdb.connect(str(path))
    for schema in ("staging", "marts"):
        con.execute(f"create schema {schema}")
    con.execute("create table marts.kpi_sales_monthly (metric_month date, won_amount double)")
    for i, value in enumerate(won):
        con.execute(
            "insert into marts.kpi_sales_monthly "
            "values (date '2026-01-01' + ? * interval 1 month, ?)",
            [i, value],
        )
    con.execute("create table marts.fct_opportunities (opportunity_id varchar, amount double)")
    con.executemany(
        "insert into marts.fct_opportunities values (?, ?)",
        [(f"O{i}", a) for i, a in enumerate(amounts)],
    )
    con.execute("create table marts.kpi_web_monthly (metric_month date, sessions bigint)")
    con.execute(
        "insert into marts.kpi_web_monthly select date '2026-01-01', 5 from range(?)", [web_rows]
    )
    con.execute(
        "create table staging.base_crm__lead as select range as id from range(?)", [base_rows]
    )
    # views are not counted (a view re-computes its query)
    con.execute("create view staging.stg_crm__lead as select * from staging.base_crm__lead")
    con.close()
    return path


@pytest.fixture
def live(tmp_path) -> Path:
    return _warehouse(tmp_path / "live.duckdb")


def test_an_identical_build_has_no_finding(live, tmp_path):
    assert guard.compare(_warehouse(tmp_path / "new.duckdb"), live) == []


def test_an_emptied_mart_is_found(live, tmp_path):
    new = _warehouse(tmp_path / "new.duckdb", web_rows=0)
    [finding] = guard.compare(new, live)
    assert finding.key == "mart_emptied:marts.kpi_web_monthly"
    assert finding.message == "marts.kpi_web_monthly had 3 rows and now has none"


def test_a_renamed_amount_column_is_found_twice(live, tmp_path):
    """The amount column arrived renamed: NULL in every row, won amount 0 in every month."""
    new = _warehouse(tmp_path / "new.duckdb", won=(0.0,) * 4, amounts=(None,) * 4)
    keys = {f.key: f for f in guard.compare(new, live)}
    assert set(keys) == {
        "kpi_vanished:marts.kpi_sales_monthly.won_amount",
        "null_share_jump:marts.fct_opportunities.amount",
    }
    jump = keys["null_share_jump:marts.fct_opportunities.amount"]
    assert (jump.before, jump.after) == (0.25, 1.0)
    assert "NULL in 100% of rows (was 25%)" in jump.message
    assert (
        "won_amount had 3 non-zero values"
        in keys["kpi_vanished:marts.kpi_sales_monthly.won_amount"].message
    )


def test_a_sparse_kpi_column_going_to_zero_is_not_a_vanished_kpi(tmp_path):
    """A column with fewer than MIN_NONZERO_ROWS non-zero rows flickers (a monthly median)."""
    live = _warehouse(tmp_path / "live.duckdb", won=(0.0, 0.0, 80.0, 0.0))
    assert guard.compare(_warehouse(tmp_path / "new.duckdb", won=(0.0,) * 4), live) == []


def test_a_kpi_of_the_open_period_alone_going_to_zero_is_not_a_vanished_kpi(tmp_path):
    """Non-zero in one month only (the closing pipeline of the as-of month, whose deals all
    close on its last day): its falling to 0 is a new day's number, not a KPI gone dark."""
    live = _warehouse(tmp_path / "live.duckdb", web_rows=4)
    new = _warehouse(tmp_path / "new.duckdb", web_rows=4)
    con = duckdb.connect(str(new))
    con.execute("update marts.kpi_web_monthly set sessions = 0")
    con.close()
    assert guard.compare(new, live) == []


def test_a_row_count_falling_by_more_than_the_share_is_found(live, tmp_path):
    assert guard.compare(_warehouse(tmp_path / "a.duckdb", base_rows=51), live) == []
    [finding] = guard.compare(_warehouse(tmp_path / "b.duckdb", base_rows=40), live)
    assert finding.key == "row_count_drop:staging.base_crm__lead"
    assert "fell from 100 to 40 rows (60% fewer; more than 50%)" in finding.message
    # a stricter threshold catches the smaller fall too
    strict = guard.compare(_warehouse(tmp_path / "c.duckdb", base_rows=51), live, max_row_drop=0.2)
    assert [f.key for f in strict] == ["row_count_drop:staging.base_crm__lead"]


def test_a_small_rise_of_the_null_share_passes(live, tmp_path):
    new = _warehouse(tmp_path / "new.duckdb", amounts=(10.0, None, None, 40.0))  # 25% -> 50%
    assert guard.compare(new, live) == []
    assert [f.check for f in guard.compare(new, live, max_null_jump=0.2)] == ["null_share_jump"]


def test_accepted_findings_pass_by_key_or_pattern(live, tmp_path):
    new = _warehouse(tmp_path / "new.duckdb", web_rows=0, base_rows=10)
    blocking, accepted = guard.check(new, live, ["mart_emptied:marts.kpi_web_monthly"])
    assert [f.key for f in blocking] == ["row_count_drop:staging.base_crm__lead"]
    assert [f.key for f in accepted] == ["mart_emptied:marts.kpi_web_monthly"]
    assert guard.check(new, live, ["*"])[0] == []
    assert guard.check(new, tmp_path / "no-live.duckdb") == ([], [])


def test_cli_exit_code_and_message(live, tmp_path):
    new = _warehouse(tmp_path / "new.duckdb", web_rows=0)
    base = [sys.executable, "-m", "abm_warehouse.cli", "guard", "--candidate", str(new)]
    blocked = subprocess.run(
        [*base, "--live", str(live)], capture_output=True, text=True, timeout=120
    )
    assert blocked.returncode == 1
    assert "mart_emptied:marts.kpi_web_monthly" in blocked.stdout
    assert "--accept 'mart_emptied:marts.kpi_web_monthly'" in blocked.stdout
    ok = subprocess.run(
        [*base, "--live", str(live), "--accept", "mart_emptied:*"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stdout
    assert "1 change(s) accepted" in ok.stdout
    first = subprocess.run(
        [*base, "--live", str(tmp_path / "none.duckdb")], capture_output=True, text=True
    )
    assert first.returncode == 0 and "nothing to compare" in first.stdout
