"""Publishing a build over the live file, generations, the standby generation and what it
carries over."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from abm_warehouse.ops import inputs
from abm_warehouse.ops.refresh.database import _quoted, _relations, generation_of
from abm_warehouse.ops.refresh.lock import log
from abm_warehouse.ops.refresh.paths import Paths, _remove, fsync_dir, fsync_file


def archive_live(paths: Paths, generation_id: str) -> Path:
    """Put the live file into generations/ under its id: a hard link (a copy if links fail).

    The live path stays in place throughout; nothing is written into the live inode.
    """
    paths.generations.mkdir(parents=True, exist_ok=True)
    target = paths.generation(generation_id)
    if target.exists() and os.path.samefile(target, paths.live):
        return target
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    _remove(tmp)
    try:
        os.link(paths.live, tmp)
    except OSError:
        shutil.copy2(paths.live, tmp)
        fsync_file(tmp)
    os.replace(tmp, target)
    fsync_dir(paths.generations)
    return target


def prune_generations(paths: Paths, keep: int) -> list[Path]:
    generations = paths.list_generations()
    doomed = [p for _, p in generations[: max(0, len(generations) - keep)]]
    for path in doomed:
        _remove(path)
    if doomed:
        fsync_dir(paths.generations)
    return doomed


def publish(paths: Paths, build: Path, keep: int) -> str | None:
    """Archive the live file, rename the build over it, fsync, prune. Returns the archived id."""
    archived = None
    if paths.live.exists():
        archived = generation_of(paths.live)
        archive_live(paths, archived)
    os.replace(build, paths.live)
    fsync_dir(paths.directory)
    pruned = prune_generations(paths, keep)
    if pruned:
        log("pruned generations: " + ", ".join(p.name for p in pruned))
    return archived


CARRIED_SCHEMAS = ("ops", "snapshots")
NOT_CARRIED = (("ops", "refresh_inputs"),)


def standby_generation(paths: Paths) -> tuple[str, Path] | None:
    """The generation a refresh can build on in place — the file the live one replaced — or
    None.

    It is the live file's `previous_generation` (so never a newer file put aside by a
    rollback), still in generations/ with no other hard link and no WAL, carries a recorded
    build (ops.refresh_inputs) and opens read-write (DuckDB refuses while any reader holds
    the file: then the refresh copies the live file instead).
    """
    import duckdb

    if not paths.live.exists():
        return None
    previous = None
    with contextlib.suppress(Exception):
        con = duckdb.connect(str(paths.live), read_only=True)
        try:
            row = con.execute(
                "select previous_generation from ops.refresh_runs where status = 'success' "
                "order by started_at desc limit 1"
            ).fetchone()
        finally:
            con.close()
        previous = str(row[0]) if row and row[0] else None
    path = paths.generation(previous) if previous else None
    if path is None or not path.is_file():
        return None
    try:
        if os.path.samefile(path, paths.live) or path.stat().st_nlink != 1:
            return None
    except OSError:
        return None
    if path.with_name(path.name + ".wal").exists():
        return None
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error:
        return None
    try:
        recorded = inputs.read_recorded(con)
    finally:
        con.close()
    return (previous, path) if recorded is not None else None


def carry_over_from_live(build: Path, live: Path) -> list[str]:
    """Replace the build file's run history and snapshots by the live file's (CARRIED_SCHEMAS).

    Returns the tables carried over."""
    import duckdb

    con = duckdb.connect(str(build))
    carried = []
    try:
        live_sql = str(live).replace("'", "''")
        con.execute(f"attach '{live_sql}' as live_file (read_only)")
        for schema, table in _relations(con, CARRIED_SCHEMAS, "live_file", tables_only=True):
            if (schema, table) in NOT_CARRIED:
                continue
            name = _quoted(schema, table)
            con.execute(f"create schema if not exists {name.split('.')[0]}")
            con.execute(f"create or replace table {name} as select * from live_file.{name}")
            carried.append(f"{schema}.{table}")
        con.execute("detach live_file")
        con.execute("checkpoint")
    finally:
        con.close()
    return carried


def _clean_stale(paths: Paths) -> list[str]:
    cleaned = []
    for path in paths.stale_files():
        if _remove(path):
            cleaned.append(path.name)
    if cleaned:
        log("removed files of an interrupted run: " + ", ".join(cleaned))
    return cleaned
