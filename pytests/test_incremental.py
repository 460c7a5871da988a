"""Incremental event models equal a full rebuild, on the committed sample.

The web and e-mail events arrive in three loads, split by `_loaded_at`: the generator's late
events (loaded 3 to 10 days after they happened), late opens and clicks, re-extracts and soft
deletes land in a later load than their neighbours. Every other raw table is complete from the
start. The warehouse's event lineage (sessions, sends, touches and the marts over them) is built
on the first load, then incrementally on each further load; after the last one every
incremental model and the marts over them must be row for row what a full rebuild on all events
gives, and each incremental run must have rewritten only part of each incremental model.

Incremental models covered (their SQL says why each is exact):
- base_web__web_events, base_marketing_automation__email_events: restage the keys with rows in
  newer loads (re-extracts rank again, soft deletes and duplicates included);
- int_web_events_sessionized: re-sessionizes arriving visitors from a restart point;
- int_web_session_summaries: recomputes every session of those visitors;
- int_email_send_events: recomputes the sends any version of an arriving event belongs to;
- int_touch_events: rewrites the touches of sends and visitors rewritten upstream.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pytest

LOADS = ("2026-03-01", "2026-05-01")  # the first two loads end before these days
EVENT_FILES = ("web_event", "email_event")
MARTS = ("fct_touchpoints", "fct_web_sessions", "fct_email_sends")
SELECT = ("--select", *(f"+{m}" for m in MARTS))

# model -> (key columns to order by, rows that are outcomes, bookkeeping columns left out)
INCREMENTAL = {
    # every raw row with its outcome; keys with newer loads are restaged (stage_raw_table)
    "base_web__web_events": ("_raw_row_key", "true", ("dbt_refreshed_at",)),
    "base_marketing_automation__email_events": ("_raw_row_key", "true", ("dbt_refreshed_at",)),
    # typed tables: the keys the base model rewrote are restaged (restage strategy)
    "stg_web__web_events": ("web_event_id", "true", ("dbt_refreshed_at",)),
    "stg_marketing_automation__email_events": ("email_event_id", "true", ("dbt_refreshed_at",)),
    "int_web_events_sessionized": ("web_event_id", "true", ("dbt_refreshed_at",)),
    "int_web_session_summaries": ("session_id", "true", ("dbt_refreshed_at",)),
    # a send whose events all went away stays as a row with n_events = 0 (fct_email_sends and
    # int_touch_events leave it out); last_loaded_at is the watermark, not an outcome
    "int_email_send_events": ("send_key", "n_events > 0", ("dbt_refreshed_at", "last_loaded_at")),
    # rows with is_touch = false only delete a group's old touches
    "int_touch_events": ("touch_group, touch_key", "is_touch", ("dbt_refreshed_at",)),
}
TABLES = {
    **{
        m: f"{'staging' if m.startswith(('base_', 'stg_')) else 'intermediate'}.{m}"
        for m in INCREMENTAL
    },
    **{m: f"marts.{m}" for m in MARTS},
}


# models whose rows carry the run that wrote them (dbt_refreshed_at)
STAMPED = (
    "base_web__web_events",
    "base_marketing_automation__email_events",
    "stg_web__web_events",
    "stg_marketing_automation__email_events",
    "int_web_session_summaries",
    "int_email_send_events",
    "int_touch_events",
)
# staged model -> its key column
STAGED_KEYS = {
    "stg_web__web_events": "web_event_id",
    "stg_marketing_automation__email_events": "email_event_id",
}
LEAVING = ("stg_marketing_automation__email_events",)  # the injected re-extracts' model


def _dbt(
    project_root: Path, dbt_bin: str, extracts: Path, db: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess:
    env = dict(os.environ, ABM_RAW_EXTRACTS_PATH=str(extracts), ABM_WAREHOUSE_PATH=str(db))
    result = subprocess.run(
        [
            dbt_bin,
            *args,
            "--profiles-dir",
            ".",
            "--target-path",
            str(db.parent / "target"),
            "--log-path",
            str(db.parent / "logs"),
        ],
        cwd=project_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check:
        assert result.returncode == 0, result.stdout[-3000:]
    return result


# event file -> its event-time column: the last load re-extracts a few early e-mail events
# with an unparseable event time, so their newest version is quarantined and their keys must
# leave the staged model and their sends (the sample's own re-extracts and soft deletes all stay
# staged or arrive first). Web events are left out: a web event that leaves staging stays in
# int_web_events_sessionized until a full refresh (its same_row_count test fails then).
EVENT_TIME = {"email_event": "created"}
UNSTAGED_REEXTRACTS = 5
LAST_LOAD_AT = "2026-07-20T00:00:00Z"  # after every load of the sample


def _load(sample: Path, extracts: Path, before: str | None) -> None:
    """Write the events loaded before `before` (all of them when None) as the extracts."""
    where = f"where _loaded_at < '{before}'" if before else ""
    con = duckdb.connect()
    for name in EVENT_FILES:
        csv = sample / (name + ".csv")
        rows = f"select * from read_csv('{csv}', header = true, all_varchar = true)"
        query = f"{rows} {where}"
        if before is None and name in EVENT_TIME:
            earliest = f"{rows} order by _loaded_at, id limit {UNSTAGED_REEXTRACTS}"
            query += (
                f" union all select * replace ('not a time' as {EVENT_TIME[name]}, "
                f"'{LAST_LOAD_AT}' as _loaded_at) from ({earliest})"
            )
        con.execute(f"copy ({query}) to '{extracts / (name + '.csv')}' (header, delimiter ',')")
    con.close()


def _snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every compared table's outcome rows, in key order, bookkeeping columns left out."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for model, table in TABLES.items():
            _, where, exclude = INCREMENTAL.get(model, ("", "true", ()))
            schema, name = table.split(".")
            stamped = con.execute(
                "select count(*) from information_schema.columns where table_schema = ? "
                "and table_name = ? and column_name = 'dbt_refreshed_at'",
                [schema, name],
            ).fetchone()[0]
            if stamped and "dbt_refreshed_at" not in exclude:  # the run that wrote the row
                exclude = (*exclude, "dbt_refreshed_at")
            columns = f"* exclude ({', '.join(exclude)})" if exclude else "*"
            out[model] = con.execute(
                f"select {columns} from {table} where {where} order by all"
            ).fetchall()
        return out
    finally:
        con.close()


def _rewritten(db: Path) -> dict[str, tuple[int, int]]:
    """(rows the last run wrote, all rows) of the models that stamp their rows."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for model in STAMPED:
            out[model] = con.execute(
                f"select count(*) filter (where dbt_refreshed_at = (select max(dbt_refreshed_at) "
                f"from {TABLES[model]})), count(*) from {TABLES[model]}"
            ).fetchone()
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def runs(project_root, dbt_bin, tmp_path_factory):
    sample = project_root / "seeds" / "raw_sample"
    extracts = tmp_path_factory.mktemp("extracts")
    for csv in sample.glob("*.csv"):
        if csv.stem not in EVENT_FILES:
            (extracts / csv.name).symlink_to(csv)
    db = tmp_path_factory.mktemp("db") / "wh.duckdb"
    batches = []

    _load(sample, extracts, LOADS[0])
    _dbt(project_root, dbt_bin, extracts, db, "seed", "--exclude", "tag:raw_sample")
    _dbt(project_root, dbt_bin, extracts, db, "run", *SELECT)
    for before in (*LOADS[1:], None):
        previous = _snapshot(db)
        _load(sample, extracts, before)
        _dbt(project_root, dbt_bin, extracts, db, "run", *SELECT)
        batches.append({"previous": previous, "after": _snapshot(db), "rewritten": _rewritten(db)})

    incremental = _snapshot(db)
    _dbt(project_root, dbt_bin, extracts, db, "run", "--full-refresh", *SELECT)
    return {
        "incremental": incremental,
        "full": _snapshot(db),
        "batches": batches,
        "db": db,
        "extracts": extracts,
        "sample": sample,
    }


@pytest.mark.parametrize("model", list(TABLES))
def test_incremental_equals_full_rebuild(runs, model):
    full, incremental = runs["full"][model], runs["incremental"][model]
    assert len(full) > 1_000
    assert len(incremental) == len(full)
    assert incremental == full


def test_late_events_arrived_between_loads(runs):
    # The equality is only meaningful if later loads hold events that happened before the
    # previous load's end (late arrivals that merge into, or split, already-built sessions;
    # late opens and clicks of sends built from an earlier load).
    con = duckdb.connect(str(runs["db"]), read_only=True)
    (late_web,) = con.execute(
        "select count(*) from intermediate.int_web_events_sessionized "
        f"where loaded_at >= timestamp '{LOADS[0]}' and occurred_at < timestamp '{LOADS[0]}'"
    ).fetchone()
    (late_sends,) = con.execute(
        "select count(*) from intermediate.int_email_send_events where "
        + " or ".join(
            f"(last_loaded_at >= timestamp '{load}' and sent_event_at < timestamp '{load}')"
            for load in LOADS
        )
    ).fetchone()
    con.close()
    assert late_web > 0
    assert late_sends > 0


def test_staged_keys_leave_when_their_newest_version_is_not_staged(runs):
    # The restage strategy must delete a staged key whose newer version was quarantined or
    # soft-deleted (delete+insert alone would keep its old row): the later loads must hold such
    # keys, so that the equality with a full rebuild (above) shows they left.
    con = duckdb.connect(str(runs["db"]), read_only=True)
    positions = {}
    for model, key in STAGED_KEYS.items():
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns "
                f"where table_name = '{model}' order by ordinal_position"
            ).fetchall()
            if name != "dbt_refreshed_at"  # left out of the snapshots
        ]
        positions[model] = columns.index(key)
    con.close()
    left = {model: 0 for model in STAGED_KEYS}
    for batch in runs["batches"]:
        for model, position in positions.items():
            before = {row[position] for row in batch["previous"][model]}
            after = {row[position] for row in batch["after"][model]}
            left[model] += len(before - after)
    assert all(left[model] > 0 for model in LEAVING), left


def test_each_incremental_run_changes_only_part_of_each_model(runs):
    for batch in runs["batches"]:
        for model in INCREMENTAL:
            previous, after = set(batch["previous"][model]), batch["after"][model]
            changed = [row for row in after if row not in previous]
            assert changed, f"{model}: a later load must change or add rows"
            # the run rewrote a window, not everything: most rows are exactly as they were
            assert len(changed) < 0.7 * len(after), model


def test_each_incremental_run_writes_only_a_window(runs):
    # dbt_refreshed_at marks what a run wrote: a share, never the whole table
    for batch in runs["batches"]:
        for model, (written, total) in batch["rewritten"].items():
            assert 0 < written < 0.7 * total, (model, written, total)


def test_a_web_event_leaving_staging_fails_the_row_count_guard(
    runs, project_root, dbt_bin, tmp_path_factory
):
    # Not handled incrementally (see EVENT_TIME): a web event whose re-extract is quarantined
    # stays in int_web_events_sessionized; its same_row_count test must then fail the run
    # (a clear error that asks for --full-refresh) rather than let sessions count it.
    db = tmp_path_factory.mktemp("guard") / "wh.duckdb"
    db.write_bytes(runs["db"].read_bytes())  # the fully rebuilt warehouse of the fixture
    web = runs["extracts"] / "web_event.csv"
    original = web.read_bytes()
    con = duckdb.connect()
    rows = f"select * from read_csv('{web}', header = true, all_varchar = true)"
    con.execute(
        f"copy ({rows} union all select * replace ('not a time' as occurred_at, "
        f"'2026-07-21T00:00:00Z' as _loaded_at) from ({rows} order by event_id limit 1)) "
        f"to '{web}.new' (header, delimiter ',')"
    )
    con.close()
    try:
        Path(f"{web}.new").replace(web)
        extracts = runs["extracts"]
        _dbt(project_root, dbt_bin, extracts, db, "run", "--select", "+int_web_events_sessionized")
        guard = "int_web_events_sessionized,test_name:same_row_count"
        result = _dbt(project_root, dbt_bin, extracts, db, "test", "--select", guard, check=False)
    finally:
        web.write_bytes(original)
    assert result.returncode != 0
    assert "same_row_count_int_web_events_sessionized" in result.stdout
