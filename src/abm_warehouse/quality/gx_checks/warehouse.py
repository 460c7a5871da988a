"""Reading the marts of a built warehouse (read-only) and the report's lines."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from abm_warehouse.quality.gx_checks.runner import SuiteResult
from abm_warehouse.quality.gx_checks.suites import MART_SCHEMA

if TYPE_CHECKING:  # pandas and GX load only when a suite runs: a no-op check stays light
    import pandas as pd


def read_frames(
    warehouse: Path,
    tables: Iterable[str],
    schema: str,
    columns: Mapping[str, Sequence[str] | None] | None = None,
    limit: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Each existing table of `schema` as a pandas frame, read with duckdb (read-only).

    `columns`: per table, the columns to read (those of them the table has; at least one, so
    the frame keeps its row count); a table absent from it, or mapped to None, is read whole.
    `limit`: at most this many rows (0: the columns and their pandas types only).
    """
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        present: dict[str, list[str]] = {}
        for table, column in con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = ? order by table_name, ordinal_position",
            [schema],
        ).fetchall():
            present.setdefault(table, []).append(column)
        frames = {}
        for t in tables:
            if t not in present:
                continue
            wanted = (columns or {}).get(t)
            kept = present[t] if wanted is None else [c for c in present[t] if c in wanted]
            select = ", ".join(f'"{c}"' for c in (kept or present[t][:1]))
            sql = f'select {select} from "{schema}"."{t}"'
            frames[t] = con.execute(sql + ("" if limit is None else f" limit {limit}")).df()
        return frames
    finally:
        con.close()


def _too_large(warehouse: Path, marts: Iterable[str], max_rows: int | None) -> dict[str, int]:
    """Marts with more rows than `max_rows` (None or 0: no limit), with their row counts."""
    if not max_rows:
        return {}
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        counts = {
            name: con.execute(f'select count(*) from "{MART_SCHEMA}"."{name}"').fetchone()[0]
            for name in marts
        }
    finally:
        con.close()
    return {name: n for name, n in sorted(counts.items()) if n > max_rows}


def _numeric_columns(frame: pd.DataFrame) -> list[str]:
    import pandas as pd

    return [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]


def default_target_path() -> Path:
    return Path(os.environ.get("DBT_TARGET_PATH") or "target")


def find_manifest(given: Path | None, target: Path) -> Path:
    """--manifest, else the manifest of the dbt target path ($DBT_TARGET_PATH or target)."""
    return given if given is not None else target / "manifest.json"


def summary_lines(results: list[SuiteResult], skipped: list[str]) -> list[str]:
    lines = []
    width = max((len(r.suite) for r in results), default=10)
    for r in results:
        status = "ok  " if r.success else "FAIL"
        lines.append(
            f"  {status} {r.suite:<{width}}  {r.evaluated:3d} expectations  {r.rows:>9,} rows"
        )
        if r.error:
            lines.append(f"       error: {r.error}")
        for f in r.failed:
            detail = {k: v for k, v in f.items() if v not in (None, [], {})}
            lines.append(f"       - {json.dumps(detail, default=str)[:400]}")
    for name in skipped:
        lines.append(f"  skip {name:<{width}}  not in the warehouse")
    failed = sum(not r.success for r in results)
    total = sum(r.evaluated for r in results)
    lines.append(
        f"gx: {len(results)} suites, {total} expectations, {failed} failing suite(s)"
        + (f", {len(skipped)} mart(s) not built" if skipped else "")
    )
    return lines
