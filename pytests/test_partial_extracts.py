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

The CRM-only case reads its tables from a loader's database (`abm-warehouse load`, dlt) rather
than from the folder: the same comparisons then prove a build from the database equals one from
the files.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from abm_warehouse.raw import contract

SAMPLE = Path(__file__).resolve().parents[1] / "seeds" / "raw_sample"

# Read through a loader's database instead of the folder.
FROM_DATABASE = {"crm_only"}

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


def _dbt(project_root: Path, dbt_bin: str, extracts: Path, db: Path, *args: str, landing=None):
    env = dict(os.environ, ABM_WAREHOUSE_PATH=str(db))
    for name in ("ABM_AS_OF_DATE", "ABM_RAW_EXTRACTS_PATH", "ABM_RAW_DATABASE_PATH"):
        env.pop(name, None)
    if landing is None:
        env["ABM_RAW_EXTRACTS_PATH"] = str(extracts)
    else:
        env["ABM_RAW_DATABASE_PATH"] = str(landing)
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
    landing = None
    if name in FROM_DATABASE:
        landing = base / "landing.duckdb"
        load = subprocess.run(
            [sys.executable, "-m", "abm_warehouse.cli", "load", "--extracts", str(extracts),
             "--database", str(landing)],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert load.returncode == 0, load.stdout + load.stderr
    result = _dbt(project_root, dbt_bin, extracts, db, "build", landing=landing)
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
    selected = ", ".join(f'"{c}"' for c in columns if c not in VOLATILE)
    return con.execute(f"select {selected} from marts.{table}{where}", params).fetchall()


# Where a row came from, not what it says.
VOLATILE = {"_source_file", "dbt_refreshed_at"}


def _sort_key(row: tuple) -> str:
    return repr(tuple(float(f"{v:.6g}") if isinstance(v, float) else v for v in row))


def same_rows(mine: list[tuple], theirs: list[tuple]) -> bool:
    """The same rows in any order; floats equal to 1e-9 (relative): sums in another order."""
    if len(mine) != len(theirs):
        return False
    for a, b in zip(sorted(mine, key=_sort_key), sorted(theirs, key=_sort_key), strict=True):
        for x, y in zip(a, b, strict=True):
            if isinstance(x, float) and isinstance(y, float):
                if not (math.isnan(x) and math.isnan(y)) and not math.isclose(
                    x, y, rel_tol=1e-9, abs_tol=1e-9
                ):
                    return False
            elif x != y:
                return False
    return True


def test_partial_extracts_build_and_list_what_is_absent(partial):
    name, db, result = partial
    assert result.returncode == 0, result.stdout[-6000:]
    absent = [t for t in contract.TABLES if t.system not in SYSTEMS[name]]
    line = next(x for x in result.stdout.splitlines() if "Absent raw extracts" in x)
    for table in absent:
        assert f"{table.system}.{table.name}" in line
    assert "KPI families with no input at all" in result.stdout
    assert "KPI families reading an absent table" in result.stdout
    if name in FROM_DATABASE:  # the base models read the loader's database
        compiled = db.parent / "target/compiled/abm_warehouse/models/staging/salesforce/base"
        assert (
            '"landing"."abm_raw"."account"'
            in (compiled / "base_salesforce__accounts.sql").read_text()
        )


@pytest.fixture
def opened(partial, full_db):
    """(case name, the partial build, the full build, the partial build's first month), open."""
    name, db, result = partial
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    full = duckdb.connect(str(full_db), read_only=True)
    try:
        since = con.execute("select min(metric_month) from intermediate.int_months").fetchone()[0]
        yield name, con, full, since
    finally:
        con.close()
        full.close()


def test_marts_reading_no_absent_table_equal_the_full_sample(opened):
    name, con, full, since = opened
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
        assert same_rows(_rows(con, table, since), _rows(full, table, since)), (name, table)
    # every mart is in the lineage table
    assert set(_tables(con, "marts")) - {"dim_mart_inputs"} <= set(untouched) | set(touched)


def test_kpis_reading_an_absent_table_are_not_available_or_partial(opened):
    name, con, full, since = opened
    by_status = dict(
        con.execute("select availability, count(*) from marts.kpi_monthly group by 1").fetchall()
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
    mine = con.execute(query, [since]).fetchall()
    names = {(r[2], r[3]) for r in mine}
    theirs = [r for r in full.execute(query, [since]).fetchall() if (r[2], r[3]) in names]
    assert same_rows(mine, theirs)


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


def test_columns_declared_absent_mark_the_kpis_that_need_them(project_root, dbt_bin, tmp_path):
    """var raw_absent_columns: the kpi_ marts that need the column (its column lineage,
    meta.needed_by) list it in kpi_monthly.absent_inputs and dim_mart_inputs.absent_columns."""
    db = tmp_path / "wh.duckdb"
    env = dict(os.environ, ABM_WAREHOUSE_PATH=str(db))
    for name in ("ABM_RAW_EXTRACTS_PATH", "ABM_RAW_DATABASE_PATH"):
        env.pop(name, None)
    result = subprocess.run(
        [dbt_bin, "compile", "--profiles-dir", ".", "--select", "kpi_monthly", "dim_mart_inputs",
         "--vars", "{raw_absent_columns: {opportunity: [amount]}}",
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=project_root, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    compiled = tmp_path / "target/compiled/abm_warehouse/models/marts/kpi"
    kpi_monthly = (compiled / "kpi_monthly.sql").read_text()
    assert "when 'kpi_sales_monthly' then 'salesforce.opportunity.amount'" in kpi_monthly
    assert "when 'kpi_email_monthly'" not in kpi_monthly  # e-mail KPIs do not read it
    inputs = (compiled / "dim_mart_inputs.sql").read_text()
    assert "'kpi_sales_monthly',\n                    'salesforce.opportunity',\n" in inputs
    assert "'salesforce.opportunity.amount'" in inputs
