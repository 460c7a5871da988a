"""Closed months do not move: the KPI marts built with two `as_of_date` values agree.

Every monthly KPI mart is computed from history for its own month, so re-running the warehouse
with a later as-of date must not change a closed month's numbers. The project's KPI marts (and
their parents, from the committed sample read as extracts) are built twice into two temporary
DuckDB files — with the project's as_of_date and with the last day of the month three months
earlier — and every kpi_ mart's rows of the months both builds have closed (months before the
earlier as-of month; quarters and years ending before it) must be equal.

What is not compared, and why, is listed below: marts that are not monthly (per campaign to date,
model fits as of the date) and columns that are measured up to the as-of date by definition.
A new kpi_ mart must be added to one of the lists (the test fails on an unclassified mart).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import subprocess
from pathlib import Path

import duckdb
import pytest
import yaml

pytestmark = pytest.mark.slow

# Marts without a closed-period grain: nothing to compare.
NOT_MONTHLY = {
    "kpi_campaign_mql_cost": "per campaign, to date (MQLs first touched up to the as-of date)",
    "kpi_campaign_new_contacts_reached": "per campaign, to date",
    "kpi_ltv_sbg_fits": "the sBG model fitted on the survival data as of the date",
    "kpi_ltv_survival_curve": "the projected curve of the fit as of the date",
}

# Columns measured up to the as-of date by definition (documented in the marts' YAML).
AS_OF_COLUMNS = {
    # The catalog's pipeline_created_amount is the opportunity's *current* amount; a deal still
    # open is valued at the as-of rate (fct_opportunities: no rate is known after the as-of
    # date). The history-based amount is kpi_pipeline_monthly.created_amount (compared).
    "kpi_sales_monthly": {
        "pipeline_created_amount": "current amount of deals still open, at the as-of rate",
    },
    "kpi_sales_quarterly": {
        "pipeline_created_amount": "as kpi_sales_monthly",
    },
    # CAC's LTV side is the new customers' LTV to date + predicted (sBG fit) as of the date.
    "kpi_cac_monthly": {
        "new_customers_with_ltv": "LTV as of the date",
        "avg_ltv_new_customers": "LTV as of the date",
        "ltv_to_cac": "LTV as of the date",
    },
    # Cohort conversion "ever" and stage velocity count conversions up to the as-of date.
    "kpi_funnel_cohorts": {
        "converted_ever": "to date",
        "conversion_rate_ever": "to date",
        "stage_velocity_days_mean": "to date",
        "stage_velocity_days_median": "to date",
    },
    "kpi_account_funnel_cohorts": {
        "converted_ever": "to date",
        "conversion_rate_ever": "to date",
        "stage_velocity_days_mean": "to date",
        "stage_velocity_days_median": "to date",
    },
}

# The column that dates a row, and how long its period is (in months) when not one month.
PERIOD_COLUMNS = ("metric_month", "metric_quarter", "period_start", "send_month", "cohort_month")
# Cohorts: the within-window conversion is closed once the window after the cohort month ended.
COHORT_MARTS = {"kpi_funnel_cohorts", "kpi_account_funnel_cohorts"}
COHORT_WINDOW_MONTHS = 4  # cohort month + conversion_window_days (90) fits in four months


def _project_as_of(project_root: Path) -> dt.date:
    project = yaml.safe_load((project_root / "dbt_project.yml").read_text())
    return dt.date.fromisoformat(str(project["vars"]["as_of_date"]))


def _month_shift(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _kpi_models(project_root: Path) -> list[str]:
    paths = [
        *project_root.glob("models/marts/*/kpi_*.sql"),
        *project_root.glob("models/marts/*/kpi_*.py"),
    ]
    return sorted(p.stem for p in paths)


def _build(project_root: Path, dbt_bin: str, db: Path, as_of: dt.date, models: list[str]):
    env = dict(
        os.environ,
        ABM_RAW_EXTRACTS_PATH=str(project_root / "seeds" / "raw_sample"),
        ABM_WAREHOUSE_PATH=str(db),
    )
    command = [
        dbt_bin,
        "build",
        "--select",
        *[f"+{m}" for m in models],
        "--exclude",
        "tag:raw_sample",
        "--exclude-resource-type",
        "test",
        "unit_test",
        "--vars",
        f"{{as_of_date: '{as_of.isoformat()}'}}",
        "--threads",
        "2",
        "--profiles-dir",
        ".",
        "--target-path",
        str(db.parent / "target"),
        "--log-path",
        str(db.parent / "logs"),
    ]
    return subprocess.Popen(
        command,
        cwd=project_root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(scope="module")
def builds(project_root, dbt_bin, tmp_path_factory):
    late = _project_as_of(project_root)
    early_month = _month_shift(dt.date(late.year, late.month, 1), -3)
    early = _month_shift(early_month, 1) - dt.timedelta(days=1)
    models = _kpi_models(project_root)
    dbs = {
        as_of: tmp_path_factory.mktemp(f"as_of_{as_of}") / "wh.duckdb" for as_of in (late, early)
    }
    running = [
        (as_of, _build(project_root, dbt_bin, db, as_of, models)) for as_of, db in dbs.items()
    ]
    for as_of, process in running:
        out, _ = process.communicate(timeout=900)
        assert process.returncode == 0, f"build as of {as_of} failed:\n{out[-4000:]}"
    return {"late": dbs[late], "early": dbs[early], "early_month": early_month, "models": models}


# Long KPI tables (kpi_monthly, kpi_rollups): one row per KPI of a source mart. A row is closed
# when its source mart's row is: by period grain, with the cohort window for funnel cohorts and
# the months since start for cohort retention; the to-date columns above are left out as KPIs.
LONG_KPI_TABLES = {"kpi_monthly", "kpi_rollups"}


def _long_filter(table: str, early_month: dt.date) -> str:
    month = f"date '{early_month.isoformat()}'"
    cohort_closed = f"date '{_month_shift(early_month, -COHORT_WINDOW_MONTHS).isoformat()}'"
    to_date = ", ".join(
        f"'{source}.{column}'" for source, columns in AS_OF_COLUMNS.items() for column in columns
    )
    # the month a row's data runs to (exclusive): period end, plus k months for cohort retention
    since_start = (
        "case when source_model = 'kpi_cohort_retention' "
        "then cast(dimension_value as integer) else 0 end"
    )
    if table == "kpi_monthly":
        length = "case period_grain when 'quarter' then 3 else 1 end"
        cohort = "period_grain = 'cohort_month'"
    else:
        length = "case period_grain when 'year' then 12 else 3 end"
        cohort = "source_period_grain = 'cohort_month'"
    limit = (
        f"case when {cohort} and source_model <> 'kpi_cohort_retention' "
        f"then {cohort_closed} else {month} end"
    )
    return (
        f"source_model || '.' || kpi_name not in ({to_date}) "
        f"and period_start + to_months({length} + {since_start}) <= {limit}"
    )


def _closed_filter(table: str, columns: list[str], early_month: dt.date) -> str:
    if table in LONG_KPI_TABLES:
        return _long_filter(table, early_month)
    month = f"date '{early_month.isoformat()}'"
    column = next((c for c in PERIOD_COLUMNS if c in columns), None)
    assert column, f"{table}: no period column ({', '.join(PERIOD_COLUMNS)}); classify it"
    if column == "metric_quarter":
        return f"{column} + interval 3 month <= {month}"
    if column == "period_start":
        return (
            "period_start + case when period_type = 'year' then interval 12 month "
            f"else interval 3 month end <= {month}"
        )
    return f"{column} < {month}"


def _rows(db: Path, table: str, columns: list[str], where: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        select = ", ".join(f'"{c}"' for c in columns)
        rows = con.execute(f"select {select} from marts.{table} where {where}").fetchall()
    finally:
        con.close()

    def key(row):
        return tuple((v is None, round(v, 2) if isinstance(v, float) else str(v)) for v in row)

    return sorted(rows, key=key)


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-6)
    return a == b


def test_every_kpi_mart_is_classified(project_root):
    for model in NOT_MONTHLY:
        assert model in _kpi_models(project_root), f"{model} is listed but does not exist"


@pytest.mark.parametrize("table", _kpi_models(Path(__file__).resolve().parents[1]))
def test_closed_months_do_not_move(builds, table):
    if table in NOT_MONTHLY:
        pytest.skip(f"not monthly: {NOT_MONTHLY[table]}")
    con = duckdb.connect(str(builds["late"]), read_only=True)
    try:
        columns = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
        ]
    finally:
        con.close()
    assert columns, f"marts.{table} was not built"
    compared = [c for c in columns if c not in AS_OF_COLUMNS.get(table, {})]
    where = _closed_filter(table, columns, builds["early_month"])
    if table in COHORT_MARTS:
        closed = _month_shift(builds["early_month"], -COHORT_WINDOW_MONTHS)
        where = f"cohort_month < date '{closed.isoformat()}'"
    late = _rows(builds["late"], table, compared, where)
    early = _rows(builds["early"], table, compared, where)
    assert late, f"{table}: no closed rows to compare"
    assert len(late) == len(early), f"{table}: {len(late)} closed rows vs {len(early)}"
    for row_late, row_early in zip(late, early, strict=True):
        moved = [
            f"{c}: {a!r} -> {b!r}"
            for c, a, b in zip(compared, row_early, row_late, strict=True)
            if not _same(a, b)
        ]
        assert not moved, f"{table} row {row_late[:3]} moved: {'; '.join(moved)}"
