"""The build database: generations, row counts, the `ops` schema's run records."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from abm_warehouse.ops import inputs
from abm_warehouse.ops.refresh.paths import COUNTED_SCHEMAS, Paths, _utc, fsync_file, new_run_id
from abm_warehouse.ops.refresh.runlog import read_log


def generation_of(path: Path) -> str:
    """The generation id of a warehouse file: its latest ops.refresh_runs row, else its mtime."""
    import duckdb

    with contextlib.suppress(Exception):
        con = duckdb.connect(str(path), read_only=True)
        try:
            row = con.execute(
                "select generation from ops.refresh_runs where status = 'success' "
                "order by started_at desc limit 1"
            ).fetchone()
        finally:
            con.close()
        if row and row[0]:
            return str(row[0])
    return new_run_id(_utc(path.stat().st_mtime))


def _quoted(schema: str, table: str) -> str:
    return '"' + schema.replace('"', '""') + '"."' + table.replace('"', '""') + '"'


def _relations(
    con: Any, schemas: tuple[str, ...], catalog: str | None = None, tables_only: bool = False
) -> list[tuple[str, str]]:
    """(schema, name) of the relations in `schemas` of `catalog` (None: the current database)."""
    placeholders = ", ".join("?" for _ in schemas)
    where = "table_catalog = " + ("current_database()" if catalog is None else "?")
    if tables_only:
        where += " and table_type = 'BASE TABLE'"
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where {where} and table_schema in ({placeholders}) order by 1, 2",
        ([] if catalog is None else [catalog]) + list(schemas),
    ).fetchall()


def _count_rows(con: Any) -> list[tuple[str, str, int]]:
    counts = []
    for schema, table in _relations(con, COUNTED_SCHEMAS):
        quoted = _quoted(schema, table)
        counts.append(
            (schema, table, int(con.execute(f"select count(*) from {quoted}").fetchone()[0]))
        )
    return counts


OPS_DDL = (
    "create schema if not exists ops",
    """create table if not exists ops.refresh_runs (
        run_id varchar primary key,
        started_at timestamptz,
        ended_at timestamptz,
        status varchar,
        as_of_date varchar,
        dbt_version varchar,
        duckdb_version varchar,
        generation varchar,
        previous_generation varchar,
        build_command varchar,
        failing_tests json,
        freshness json,
        row_counts json,
        host varchar
    )""",
    """create table if not exists ops.refresh_row_counts (
        run_id varchar,
        schema_name varchar,
        table_name varchar,
        row_count bigint
    )""",
    # Unpublished runs (copied from refresh.log by the next published one) say why they failed.
    "alter table ops.refresh_runs add column if not exists failed_step varchar",
    "alter table ops.refresh_runs add column if not exists error varchar",
)


def record_and_checkpoint(
    build: Path, record: dict[str, Any], built_from: inputs.Inputs | None = None
) -> None:
    """Count rows, write the ops tables into the build file, CHECKPOINT, close, check no WAL.

    `built_from`: the inputs the whole warehouse now reflects (None after a partial or stubbed
    build: the record is cleared, so the next planned refresh builds everything).
    """
    import duckdb

    con = duckdb.connect(str(build))
    try:
        inputs.write_recorded(con, record["run_id"], built_from)
        counts = _count_rows(con)
        record["row_counts"] = {f"{s}.{t}": n for s, t, n in counts if s == "marts"}
        if "previous_generation" not in record:
            record["previous_generation"] = _latest_generation(con)
        record["ended_at"] = datetime.now(UTC).isoformat()
        for ddl in OPS_DDL:
            con.execute(ddl)
        con.execute(
            "insert into ops.refresh_runs (run_id, started_at, ended_at, status, as_of_date, "
            "dbt_version, duckdb_version, generation, previous_generation, build_command, "
            "failing_tests, freshness, row_counts, host) values "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::json, ?::json, ?::json, ?)",
            [
                record["run_id"],
                record["started_at"],
                record["ended_at"],
                "success",
                record.get("as_of_date"),
                record.get("dbt_version"),
                record.get("duckdb_version"),
                record["generation"],
                record["previous_generation"],
                record.get("build_command"),
                json.dumps(record.get("failing_tests", [])),
                json.dumps(record.get("freshness", {})),
                json.dumps(record["row_counts"]),
                record.get("host"),
            ],
        )
        con.executemany(
            "insert into ops.refresh_row_counts values (?, ?, ?, ?)",
            [[record["run_id"], s, t, n] for s, t, n in counts],
        )
        _record_unpublished_runs(con, record)
        con.execute("checkpoint")
    finally:
        con.close()
    wal = build.with_name(build.name + ".wal")
    if wal.exists():
        raise RuntimeError(f"{wal} remains after CHECKPOINT and close: not publishing")
    fsync_file(build)


def _record_unpublished_runs(con: Any, record: dict[str, Any]) -> None:
    """Failed refreshes since the runs in this file: from refresh.log into ops.refresh_runs.

    A failed run publishes nothing, so the next published warehouse carries its record
    (status, error, failing tests); refresh.log keeps every run, locked ones too.
    """
    known = {row[0] for row in con.execute("select run_id from ops.refresh_runs").fetchall()}
    log_records = read_log(Paths(Path(record["warehouse"])))
    rows = [
        [
            r.get("run_id"),
            r.get("started_at"),
            r.get("ended_at"),
            r.get("status"),
            r.get("as_of_date"),
            r.get("dbt_version"),
            r.get("duckdb_version"),
            r.get("build_command"),
            json.dumps(r.get("failing_tests", [])),
            json.dumps(r.get("freshness", {})),
            r.get("host"),
            r.get("failed_step"),
            r.get("error"),
        ]
        for r in log_records
        if r.get("action") == "refresh"
        and r.get("status") in ("failed", "error")
        and r.get("run_id") not in known
    ]
    if not rows:
        return
    con.executemany(
        "insert into ops.refresh_runs (run_id, started_at, ended_at, status, as_of_date, "
        "dbt_version, duckdb_version, build_command, failing_tests, freshness, host, "
        "failed_step, error) values (?, ?, ?, ?, ?, ?, ?, ?, ?::json, ?::json, ?, ?, ?)",
        rows,
    )


def _latest_generation(con: Any) -> str | None:
    with contextlib.suppress(Exception):
        row = con.execute(
            "select generation from ops.refresh_runs where status = 'success' "
            "order by started_at desc limit 1"
        ).fetchone()
        return str(row[0]) if row and row[0] else None
    return None
