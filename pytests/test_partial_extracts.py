"""Partial extracts: a company with only some of the systems (CRM only, billing only,
marketing only) builds the warehouse from the committed sample's files of those systems.

* the build succeeds (models and data tests), having listed the absent tables and the KPI
  families that read them before building;
* every mart that reads no absent raw table (marts.dim_mart_inputs, the project's lineage)
  equals the same mart of the full sample, row for row, on the periods both cover;
* in kpi_monthly, a KPI reading an absent table is 'not_available' (value, numerator and
  denominator NULL, never 0) when it counted nothing, else 'partial'; every 'available' KPI
  equals the full sample's;
* var raw_absent_tables = 'error' stops the build naming the absent tables.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from abm_warehouse import contract

SAMPLE = Path(__file__).resolve().parents[1] / "seeds" / "raw_sample"

SYSTEMS = {
    "crm_only": ("salesforce",),
    "billing_only": ("billing",),
    "marketing_only": ("marketing_automation", "web", "ads", "social", "seo"),
}

# Period columns of the marts, to compare them on the months both builds cover: a partial
# build's reporting months start at its own first fact.
PERIOD_COLUMNS = ("metric_month", "cohort_month", "period_start", "metric_quarter", "date_day")


def _extracts(folder: Path, systems: tuple[str, ...] | None) -> Path:
    folder.mkdir(parents=True)
    for table in contract.TABLES:
        if systems is None or table.system in systems:
            shutil.copy(SAMPLE / f"{table.name}.csv", folder / f"{table.name}.csv")
    return folder


def _dbt(project_root: Path, dbt_bin: str, extracts: Path, db: Path, *args: str):
    env = dict(os.environ, ABM_RAW_EXTRACTS_PATH=str(extracts), ABM_WAREHOUSE_PATH=str(db))
    env.pop("ABM_AS_OF_DATE", None)
    return subprocess.run(
        [dbt_bin, *args, "--profiles-dir", ".", "--exclude", "tag:raw_sample",
         "--target-path", str(db.parent / "target"), "--log-path", str(db.parent / "logs")],
        cwd=project_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )  # fmt: skip


@pytest.fixture(scope="module")
def full_db(project_root, dbt_bin, tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("full")
    extracts = _extracts(base / "extracts", None)
    db = base / "wh.duckdb"
    result = _dbt(project_root, dbt_bin, extracts, db, "build")
    assert result.returncode == 0, result.stdout[-4000:]
    return db


@pytest.fixture(scope="module", params=sorted(SYSTEMS))
def partial(request, project_root, dbt_bin, tmp_path_factory):
    name = request.param
    base = tmp_path_factory.mktemp(name)
    extracts = _extracts(base / "extracts", SYSTEMS[name])
    db = base / "wh.duckdb"
    result = _dbt(project_root, dbt_bin, extracts, db, "build")
    return name, db, result


def _tables(con, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? order by 1",
        [schema],
    ).fetchall()
    return [r[0] for r in rows]


def _rows(con, table: str, since) -> list[tuple]:
    columns = [r[0] for r in con.execute(f"describe marts.{table}").fetchall()]
    period = next((c for c in PERIOD_COLUMNS if c in columns), None)
    where = f" where {period} >= ?" if period and since is not None else ""
    params = [since] if where else []
    rows = con.execute(f"select * from marts.{table}{where}", params).fetchall()
    return sorted((tuple(_norm(v) for v in row) for row in rows), key=repr)


def _norm(value):
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 9)
    return value


def test_partial_extracts_build_and_list_what_is_absent(partial):
    name, _, result = partial
    assert result.returncode == 0, result.stdout[-6000:]
    absent = [t for t in contract.TABLES if t.system not in SYSTEMS[name]]
    line = next(x for x in result.stdout.splitlines() if "Absent raw extracts" in x)
    for table in absent:
        assert f"{table.system}.{table.name}" in line
    assert "KPI families with no input at all" in result.stdout
    assert "KPI families reading an absent table" in result.stdout


def test_marts_reading_no_absent_table_equal_the_full_sample(partial, full_db):
    name, db, result = partial
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    full = duckdb.connect(str(full_db), read_only=True)
    try:
        since = con.execute("select min(metric_month) from intermediate.int_months").fetchone()[0]
        untouched = [
            r[0]
            for r in con.execute(
                "select mart_name from marts.dim_mart_inputs group by mart_name "
                "having not bool_or(is_absent) order by 1"
            ).fetchall()
        ]
        touched = [
            r[0]
            for r in con.execute(
                "select distinct mart_name from marts.dim_mart_inputs where is_absent"
            ).fetchall()
        ]
        assert touched, "a partial folder leaves some mart without an input"
        for table in untouched:
            assert _rows(con, table, since) == _rows(full, table, since), (name, table)
        # every mart is in the lineage table
        assert set(_tables(con, "marts")) - {"dim_mart_inputs"} <= set(untouched) | set(touched)
    finally:
        con.close()
        full.close()


def test_kpis_reading_an_absent_table_are_not_available_or_partial(partial, full_db):
    name, db, result = partial
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    full = duckdb.connect(str(full_db), read_only=True)
    try:
        since = con.execute("select min(metric_month) from intermediate.int_months").fetchone()[0]
        by_status = dict(
            con.execute(
                "select availability, count(*) from marts.kpi_monthly group by 1"
            ).fetchall()
        )
        assert by_status.get("not_available", 0) > 0, by_status
        # not available: never a 0 that looks like a measurement
        assert (
            con.execute(
                "select count(*) from marts.kpi_monthly where availability = 'not_available' "
                "and (kpi_value is not null or numerator is not null or denominator is not null "
                "or absent_inputs = '')"
            ).fetchone()[0]
            == 0
        )
        # the absent inputs are the mart's lineage, and only KPIs with one are marked
        assert (
            con.execute(
                "select count(*) from marts.kpi_monthly k where (availability = 'available') "
                "<> (absent_inputs = '')"
            ).fetchone()[0]
            == 0
        )
        mismatched = con.execute(
            """
            select count(*) from (
                select distinct source_model, absent_inputs from marts.kpi_monthly
            ) k
            where absent_inputs <> (
                select coalesce(string_agg(raw_table, ', ' order by raw_table), '')
                from marts.dim_mart_inputs d
                where d.mart_name = k.source_model and d.is_absent
            )
            """
        ).fetchone()[0]
        assert mismatched == 0
        # 'available' KPIs are the full sample's
        query = (
            "select period_start, period_grain, kpi_name, source_model, segment, dimension_name,"
            " dimension_value, kpi_value, numerator, denominator from marts.kpi_monthly"
            " where availability = 'available' and period_start >= ?"
        )
        mine = sorted(tuple(_norm(v) for v in r) for r in con.execute(query, [since]).fetchall())
        names = {(r[2], r[3]) for r in mine}
        theirs = sorted(
            tuple(_norm(v) for v in r)
            for r in full.execute(query, [since]).fetchall()
            if (r[2], r[3]) in names
        )
        assert mine == theirs
    finally:
        con.close()
        full.close()


def test_billing_alone_gives_mrr_and_cohort_retention(partial):
    name, db, result = partial
    if name != "billing_only":
        pytest.skip("billing only")
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("select count(*) from marts.fct_mrr_movements").fetchone()[0] > 0
        assert con.execute("select count(*) from marts.kpi_cohort_retention").fetchone()[0] > 0
        staged = con.execute("select count(*) from staging.stg_billing__subscriptions").fetchone()
        assert staged[0] > 0
    finally:
        con.close()


def test_strict_mode_stops_naming_every_absent_table(project_root, dbt_bin, tmp_path):
    extracts = _extracts(tmp_path / "extracts", ("billing",))
    db = tmp_path / "wh.duckdb"
    result = _dbt(
        project_root, dbt_bin, extracts, db, "run", "--select", "base_billing__subscriptions",
        "--vars", "{raw_absent_tables: error}",
    )  # fmt: skip
    assert result.returncode != 0
    out = result.stdout
    assert "raw extracts missing from" in out and "raw_absent_tables" in out
    assert "salesforce.opportunity" in out and "web.web_event" in out
    assert "billing.subscription" not in out.split("raw extracts missing from")[1].split("\n")[0]
