"""The floor: the headline KPIs straight from the raw files in one DuckDB query, and the
marts' same KPIs to compare with it."""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

from abm_warehouse.tooling.bench.common import DEFAULT_AS_OF, FLOOR_SQL, project_root


def generated_rows(raw_dir: Path) -> dict[str, int]:
    """Rows per table of a generated Parquet folder (from the files' metadata)."""
    import duckdb

    con = duckdb.connect()
    try:
        return {
            f.stem: con.execute(
                f"select sum(num_rows) from parquet_file_metadata('{f}')"
            ).fetchone()[0]
            for f in sorted(raw_dir.glob("*.parquet"))
        }
    finally:
        con.close()


def raw_file(raw_dir: Path, table: str) -> str:
    parquet = raw_dir / f"{table}.parquet"
    if parquet.exists():
        return f"read_parquet('{parquet}')"
    return f"read_csv('{raw_dir / (table + '.csv')}', header = true, all_varchar = true)"


def floor_sql(raw_dir: Path, as_of: date = DEFAULT_AS_OF, sql_file: Path | None = None) -> str:
    """The floor query with its placeholders filled: {raw:<table>} (the extract file),
    {seed:<name>} (a reference seed, e.g. channel_rules) and {as_of_date}."""
    import re

    text = (sql_file or project_root() / FLOOR_SQL).read_text(encoding="utf-8")
    text = re.sub(r"\{raw:(\w+)\}", lambda m: raw_file(raw_dir, m.group(1)), text)
    seeds = project_root() / "seeds" / "reference"
    text = re.sub(
        r"\{seed:(\w+)\}",
        lambda m: f"read_csv('{seeds / (m.group(1) + '.csv')}', header = true)",
        text,
    )
    return text.replace("{as_of_date}", as_of.isoformat())


def run_floor(
    raw_dir: Path, as_of: date = DEFAULT_AS_OF, memory_limit: str | None = None
) -> tuple[list[tuple], float]:
    """Run the floor in this process: rows (kpi, metric_month, dimension, value), seconds."""
    import duckdb

    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    # spill next to the data (not the current directory), like the build's <db>.tmp
    con.execute(f"set temp_directory = '{raw_dir.parent / 'floor.tmp'}'")
    if memory_limit:
        con.execute(f"set memory_limit = '{memory_limit}'")
    started = time.monotonic()
    rows = con.execute(floor_sql(raw_dir, as_of)).fetchall()
    seconds = time.monotonic() - started
    con.close()
    shutil.rmtree(raw_dir.parent / "floor.tmp", ignore_errors=True)
    return rows, round(seconds, 2)


# The floor's KPIs in the warehouse: (kpi, mart query in the floor's long shape).
MART_KPIS = {
    "sessions": "select metric_month, channel, sessions from marts.kpi_web_channels_monthly",
    "email_open_rate": "select metric_month, 'all', email_open_rate "
    "from marts.kpi_email_monthly where program = 'all'",
    "email_click_through_rate": "select metric_month, 'all', email_click_through_rate "
    "from marts.kpi_email_monthly where program = 'all'",
    "emails_delivered": "select metric_month, 'all', emails_delivered "
    "from marts.kpi_email_monthly where program = 'all'",
    "new_mqls": "select metric_month, 'all', new_mqls "
    "from marts.kpi_funnel_monthly where segment = 'all'",
    "won_deals": "select metric_month, 'all', won_deals "
    "from marts.kpi_sales_monthly where segment = 'all'",
    "win_rate": "select metric_month, 'all', win_rate "
    "from marts.kpi_sales_monthly where segment = 'all'",
    "won_amount": "select metric_month, 'all', won_amount "
    "from marts.kpi_sales_monthly where segment = 'all'",
    "net_revenue_retention": "select metric_month, 'all', net_revenue_retention "
    "from marts.kpi_revenue_retention_monthly where segment = 'all'",
}
# Rates are NULL without a denominator; everything else is 0 when a month has nothing.
RATE_KPIS = {"email_open_rate", "email_click_through_rate", "win_rate", "net_revenue_retention"}


def mart_rows(warehouse: Path) -> list[tuple]:
    """The floor's KPIs read from a built warehouse, in the floor's long shape."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return [
            (kpi, *row) for kpi, query in MART_KPIS.items() for row in con.execute(query).fetchall()
        ]
    finally:
        con.close()


def compare_kpis(floor: list[tuple], marts: list[tuple], tolerance: float = 1e-9) -> list:
    """Differences between the floor's rows and the marts' (empty = the same numbers).

    A (kpi, month, dimension) missing on one side counts as 0 (NULL for a rate): the marts
    hold a full month x channel grid, the floor only the cells with data."""

    def keyed(rows):
        return {(k, m, d): (None if v is None else float(v)) for k, m, d, v in rows}

    a, b = keyed(floor), keyed(marts)
    diffs = []
    for key in sorted(set(a) | set(b), key=str):
        empty = None if key[0] in RATE_KPIS else 0.0
        x, y = a.get(key, empty), b.get(key, empty)
        same = (x is None and y is None) or (
            x is not None and y is not None and abs(x - y) <= tolerance * max(1.0, abs(y))
        )
        if not same:
            diffs.append(
                {"kpi": key[0], "month": str(key[1]), "dim": key[2], "floor": x, "marts": y}
            )
    return diffs
