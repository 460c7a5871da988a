"""Incremental e-mail sends equal a full rebuild, on the committed sample's e-mail events.

The e-mail events arrive in three loads (split by `_loaded_at`: late opens and clicks, and the
generator's re-extracts and soft deletes, land in a later load than the send they belong to).
The send table is built on the first load, then incrementally on each further load; the sends
must be row for row the same as a full rebuild on all events, and each incremental run must
rewrite only the sends with arrivals.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pytest

MODEL = "int_email_send_events"
TABLE = f"intermediate.{MODEL}"
LOADS = ("2026-03-01", "2026-05-01")  # the first two loads end before these days
COLUMNS = "* exclude (last_loaded_at)"  # the watermark itself is not an outcome


def _dbt(project_root: Path, dbt_bin: str, extracts: Path, db: Path, *args: str) -> None:
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


def _load(sample: Path, extracts: Path, before: str | None) -> None:
    """Write the e-mail events loaded before `before` (all of them when None) as the extract."""
    where = f"where _loaded_at < '{before}'" if before else ""
    con = duckdb.connect()
    con.execute(
        f"copy (select * from read_csv('{sample}', header = true, all_varchar = true) {where}) "
        f"to '{extracts / 'email_event.csv'}' (header, delimiter ',')"
    )
    con.close()


def _sends(db: Path, where: str = "n_events > 0") -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            f"select {COLUMNS} from {TABLE} where {where} order by send_key"
        ).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def runs(project_root, dbt_bin, tmp_path_factory):
    sample = project_root / "seeds" / "raw_sample" / "email_event.csv"
    extracts = tmp_path_factory.mktemp("extracts")
    db = tmp_path_factory.mktemp("db") / "wh.duckdb"
    select = ("--select", f"+{MODEL}")
    batches = []

    _load(sample, extracts, LOADS[0])
    _dbt(project_root, dbt_bin, extracts, db, "run", *select)
    for before in (*LOADS[1:], None):
        previous = {row[0]: row for row in _sends(db, "true")}
        _load(sample, extracts, before)
        _dbt(project_root, dbt_bin, extracts, db, "run", *select)
        batches.append({"previous": previous, "after": _sends(db, "true")})

    incremental = _sends(db)
    emptied = _sends(db, "n_events = 0")
    _dbt(project_root, dbt_bin, extracts, db, "run", "--full-refresh", *select)
    return {"incremental": incremental, "emptied": emptied, "full": _sends(db), "batches": batches}


def test_incremental_equals_full_rebuild(runs):
    assert len(runs["full"]) > 15_000
    assert runs["incremental"] == runs["full"]


def test_emptied_sends_are_not_sends_of_the_full_rebuild(runs):
    full_keys = {row[0] for row in runs["full"]}
    assert all(row[0] not in full_keys for row in runs["emptied"])


def test_each_incremental_run_rewrites_only_sends_with_arrivals(runs):
    for batch in runs["batches"]:
        previous, after = batch["previous"], batch["after"]
        changed = [row for row in after if previous.get(row[0]) != row]
        assert changed, "a later load must change or add sends"
        # the run rewrote a window, not everything: most sends are exactly as they were
        unchanged = [row for row in after if previous.get(row[0]) == row]
        assert len(unchanged) > 0.5 * len(after)
