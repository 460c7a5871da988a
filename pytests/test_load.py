"""`abm-warehouse load` (src/abm_warehouse/raw/load.py): dlt lands an extracts folder in a DuckDB
database, incrementally — a delta folder's new files are appended once, a re-exported file
replaces its table, nothing new loads nothing — with every value as the warehouse reads the
files; and what the refresh planner and the `loaded` as-of policy read of that database.
(A full build from a loaded database is compared with the files' in test_partial_extracts.)"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from abm_warehouse.raw import load

ACCOUNTS = "id,name,created_date,_loaded_at\nA1,Acme,2026-01-02,2026-01-03T00:00:00Z\nA2,Beta,2026-01-05,2026-01-06T00:00:00Z\n"  # noqa: E501
EVENTS = "event_id,anonymous_id,event_type,occurred_at,_loaded_at\n"


def _events(folder: Path, day: str, n: int, start: int) -> None:
    part = folder / "web_event" / f"load_date={day}"
    part.mkdir(parents=True)
    rows = "".join(
        f"E{i},anon{i},page_view,{day}T10:00:00Z,{day}T23:00:00Z\n" for i in range(start, start + n)
    )
    (part / "part-0.csv").write_text(EVENTS + rows)


@pytest.fixture
def folder(tmp_path) -> Path:
    extracts = tmp_path / "extracts"
    extracts.mkdir()
    (extracts / "account.csv").write_text(ACCOUNTS)
    _events(extracts, "2026-01-03", 3, 0)
    _events(extracts, "2026-01-04", 2, 3)
    return extracts


def _counts(database: Path) -> dict[str, tuple[int, int]]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return {
            t: con.execute(
                f'select count(*), count(distinct _dlt_load_id) from abm_raw."{t}"'
            ).fetchone()
            for t in ("account", "web_event")
        }
    finally:
        con.close()


def test_a_folder_lands_as_text_with_its_source_file(folder, tmp_path):
    database = tmp_path / "landing.duckdb"
    todo = load.load(folder, database)
    assert todo["account"]["disposition"] == "replace"
    assert todo["web_event"]["disposition"] == "append" and len(todo["web_event"]["files"]) == 2
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute(
            "select id, name, created_date, _loaded_at, _source_file "
            "from abm_raw.account order by id"
        ).fetchall()
        types = {r[0]: r[1] for r in con.execute("describe abm_raw.account").fetchall()}
    finally:
        con.close()
    assert rows == [
        ("A1", "Acme", "2026-01-02", "2026-01-03T00:00:00Z", str(folder / "account.csv")),
        ("A2", "Beta", "2026-01-05", "2026-01-06T00:00:00Z", str(folder / "account.csv")),
    ]
    assert types["created_date"] == "VARCHAR" and types["_loaded_at"] == "VARCHAR"
    assert _counts(database) == {"account": (2, 1), "web_event": (5, 1)}


def test_loads_are_incremental(folder, tmp_path):
    database = tmp_path / "landing.duckdb"
    load.load(folder, database)
    digests = load.database_digests(database, "abm_raw")
    assert digests["identify"] == "missing" and digests["account"].startswith("2:")
    # nothing new: nothing loads, nothing changes
    assert load.load(folder, database) == {}
    assert load.database_digests(database, "abm_raw") == digests
    # a new day of events is appended once; the unchanged account file is left alone
    _events(folder, "2026-01-05", 4, 5)
    todo = load.load(folder, database)
    assert set(todo) == {"web_event"} and len(todo["web_event"]["files"]) == 1
    assert _counts(database) == {"account": (2, 1), "web_event": (9, 2)}
    after = load.database_digests(database, "abm_raw")
    assert after["account"] == digests["account"] and after["web_event"] != digests["web_event"]
    # a re-exported account file replaces its table (not appended to it)
    (folder / "account.csv").write_text(ACCOUNTS + "A3,Gamma,2026-01-07,2026-01-08T00:00:00Z\n")
    assert set(load.load(folder, database)) == {"account"}
    assert _counts(database)["account"] == (3, 1)
    newest = load.database_newest_loaded_at(database, "abm_raw")
    assert newest == dt.datetime(2026, 1, 8, tzinfo=dt.UTC)
    # --full-refresh loads everything again, once
    load.load(folder, database, full_refresh=True)
    assert _counts(database) == {"account": (3, 1), "web_event": (9, 1)}


def test_the_refresh_reads_the_database_when_it_is_set(folder, tmp_path):
    from abm_warehouse.ops import inputs

    database = tmp_path / "landing.duckdb"
    load.load(folder, database)
    env = {"ABM_RAW_DATABASE_PATH": str(database)}
    current = inputs.current_inputs(Path(__file__).resolve().parents[1], None, env)
    assert current.mode == "database"
    assert current.raw["web_event"].startswith("5:") and current.raw["lead"] == "missing"


def test_dataset_and_file_names_must_differ(folder, tmp_path):
    with pytest.raises(ValueError, match="different names"):
        load.load(folder, tmp_path / "abm_raw.duckdb", dataset="abm_raw")


def test_cli(folder, tmp_path):
    database = tmp_path / "landing.duckdb"
    cmd = [sys.executable, "-m", "abm_warehouse.cli", "load", "--extracts", str(folder)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABM_RAW_")}
    first = subprocess.run(
        [*cmd, "--database", str(database)], capture_output=True, text=True, env=env, timeout=300
    )
    assert first.returncode == 0, first.stderr
    assert "abm_raw.web_event: 2 file(s), append" in first.stdout
    again = subprocess.run(
        [*cmd, "--database", str(database)], capture_output=True, text=True, env=env, timeout=300
    )
    assert "nothing new" in again.stdout


def test_crm_merge_keeps_the_latest_version_per_key_and_unkeyed_rows(tmp_path):
    """--crm-merge: a CRM table lands one row per key, the latest `_loaded_at` winning within a
    load and a later load replacing the row; a row with a blank key is kept (staging quarantines
    it), exact copies of it once; event tables still append."""
    extracts = tmp_path / "extracts"
    day1 = extracts / "opportunity" / "load_date=2026-01-03"
    day1.mkdir(parents=True)
    header = "id,name,amount,_loaded_at\n"
    (day1 / "part-0.csv").write_text(
        header
        + "O1,Deal,100,2026-01-02T00:00:00Z\n"
        + "O1,Deal,150,2026-01-03T00:00:00Z\n"  # a newer version in the same file
        + "O2,Other,70,2026-01-03T00:00:00Z\n"
        + ",Orphan,5,2026-01-03T00:00:00Z\n"  # blank key: kept
        + ",Orphan,5,2026-01-03T00:00:00Z\n"  # its exact copy: once
    )
    _events(extracts, "2026-01-03", 3, 0)
    database = tmp_path / "landing.duckdb"
    todo = load.load(extracts, database, crm_merge=True)
    assert todo["opportunity"]["disposition"] == "merge"
    assert todo["web_event"]["disposition"] == "append"

    def rows():
        con = duckdb.connect(str(database), read_only=True)
        try:
            return con.execute(
                "select id, amount from abm_raw.opportunity order by id nulls last, amount"
            ).fetchall()
        finally:
            con.close()

    assert rows() == [("O1", "150"), ("O2", "70"), (None, "5")]
    day2 = extracts / "opportunity" / "load_date=2026-01-04"
    day2.mkdir()
    (day2 / "part-0.csv").write_text(header + "O2,Other,90,2026-01-04T00:00:00Z\n")
    assert load.load(extracts, database, crm_merge=True)["opportunity"]["files"][0][0] == (
        "load_date=2026-01-04/part-0.csv"
    )
    assert rows() == [("O1", "150"), ("O2", "90"), (None, "5")]
