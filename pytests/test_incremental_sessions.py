"""Incremental sessionization equals a full rebuild, on the committed sample's web events.

The web events arrive in three loads (split by `_loaded_at`, so the generator's late events —
loaded 3 to 10 days after they happened — land in a later load than their neighbours). The
warehouse is built on the first load, then incrementally on each further load; the result must
be row for row the same as a full rebuild on all events, and each incremental run must touch
only the visitors with arrivals, from their restart points on.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest

MODEL = "int_web_events_sessionized"
TABLE = f"intermediate.{MODEL}"
LOADS = ("2026-03-01", "2026-05-01")  # the first two loads end before these days


def _dbt(project_root: Path, dbt_bin: str, extracts: Path, db: Path, *args: str):
    env = dict(os.environ, ABM_RAW_EXTRACTS_PATH=str(extracts), ABM_WAREHOUSE_PATH=str(db))
    result = subprocess.run(
        [dbt_bin, *args, "--profiles-dir", ".", "--target-path", str(db.parent / "target")],
        cwd=project_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    return json.loads((db.parent / "target" / "run_results.json").read_text())


def _load(sample: Path, extracts: Path, before: str | None) -> None:
    """Write the web events loaded before `before` (all of them when None) as the extract."""
    where = f"where _loaded_at < '{before}'" if before else ""
    con = duckdb.connect()
    con.execute(
        f"copy (select * from read_csv('{sample}', header = true, all_varchar = true) {where}) "
        f"to '{extracts / 'web_event.csv'}' (header, delimiter ',')"
    )
    con.close()


def _rows(db: Path, table: str = TABLE) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"select * from {table} order by web_event_id").fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def runs(project_root, dbt_bin, tmp_path_factory):
    sample = project_root / "seeds" / "raw_sample" / "web_event.csv"
    extracts = tmp_path_factory.mktemp("extracts")
    db = tmp_path_factory.mktemp("db") / "wh.duckdb"
    select = ("--select", f"+{MODEL}")
    batches = []

    _load(sample, extracts, LOADS[0])
    _dbt(project_root, dbt_bin, extracts, db, "run", *select)
    for before in (*LOADS[1:], None):
        previous = {r[1]: r for r in _rows(db)}  # by web_event_id
        _load(sample, extracts, before)
        results = _dbt(project_root, dbt_bin, extracts, db, "run", *select)
        after = _rows(db)
        (node,) = [r for r in results["results"] if r["unique_id"].endswith(f".{MODEL}")]
        batches.append({"previous": previous, "after": after, "result": node})

    incremental = _rows(db)
    _dbt(project_root, dbt_bin, extracts, db, "run", "--full-refresh", *select)
    return {"incremental": incremental, "full": _rows(db), "batches": batches, "db": db}


def test_incremental_equals_full_rebuild(runs):
    assert len(runs["full"]) > 60_000
    assert runs["incremental"] == runs["full"]


def test_late_events_arrived_between_loads(runs):
    # The check above is only meaningful if later loads hold events that happened before the
    # previous load's end (late arrivals that merge into, or split, already-built sessions).
    con = duckdb.connect(str(runs["db"]), read_only=True)
    (late,) = con.execute(
        f"select count(*) from {TABLE} "
        f"where loaded_at >= timestamp '{LOADS[0]}' and occurred_at < timestamp '{LOADS[0]}'"
    ).fetchone()
    con.close()
    assert late > 0


def test_each_incremental_run_touches_only_arriving_visitors(runs):
    for batch in runs["batches"]:
        previous, after = batch["previous"], batch["after"]
        changed_visitors = {
            row[2]  # anonymous_id
            for row in after
            if previous.get(row[1]) != row
        }
        untouched = [row for row in after if row[2] not in changed_visitors]
        # most of the warehouse stays as it was: the run rewrote a window, not everything
        assert len(untouched) > 0.3 * len(after)
        assert all(previous.get(row[1]) == row for row in untouched)
