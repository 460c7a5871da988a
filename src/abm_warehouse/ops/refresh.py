"""Scheduled refresh of the warehouse: build a copy, check it, publish it atomically.

DuckDB has one writer and no lock waiting, so the file analysts and BI tools read (the live
file) is never the file dbt writes. A refresh, under an exclusive lock `<warehouse>.lock`:

  1. removes build files left by killed runs;
  2. makes the build file `<warehouse>.build` (one fixed name, so dbt's partial parsing
     survives from run to run): the newest generation — the previous live file, one refresh
     behind — taken out of `generations/` when no reader holds it (no copy: the plan then
     covers both refreshes' changes, the snapshots and `ops` tables are carried over from the
     live file), else a copy of the live file (incremental models keep their state);
  3. decides the as-of date (`--as-of`, as_of.py: by default the live warehouse's; scheduled
     runs pass `loaded`, the last complete day of the raw data) and passes it to dbt in
     ABM_AS_OF_DATE; refuses to move it backwards unless `--full-refresh`;
  4. runs `dbt build` on the copy, then `dbt source freshness` and the post-build checks. The
     build is planned from what changed since the live file was built (inputs.py): everything
     when the project, vars or versions changed (or nothing is recorded), else the descendants
     of the raw tables whose files changed and, when the as-of date moved, of the models that
     read it (data tests included, unit tests not: the code did not change), else nothing;
     `--all` always builds everything;
  5. records the run and its inputs in the copy's `ops` schema, checkpoints and closes it;
  6. only if everything passed: hard-links the live file into `generations/`, renames the
     copy over the live file (readers that hold the old file keep reading it) and prunes
     generations to the newest `--keep`.

A failed run leaves the live file untouched and deletes its copy. Every run appends one JSON
line to `refresh.log` beside the warehouse. `--rollback` puts a generation back, `--status`
prints what is live. See docs/operations.md.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import dataclasses
import fcntl
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from abm_warehouse.ops import as_of, inputs, publish_guard
from abm_warehouse.raw import load

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_LOCKED = 75  # EX_TEMPFAIL: another refresh holds the lock; try again later

DEFAULT_WAREHOUSE = "warehouse/warehouse.duckdb"
DEFAULT_KEEP = 3
# Schemas whose relations are counted into ops.refresh_row_counts (marts also in refresh_runs).
COUNTED_SCHEMAS = ("marts", "staging")
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%S"


# ---------------------------------------------------------------------------- paths


@dataclass(frozen=True)
class Paths:
    """Every file a refresh of one live warehouse file touches."""

    live: Path

    @property
    def directory(self) -> Path:
        return self.live.parent

    @property
    def lock(self) -> Path:
        return self.live.with_name(self.live.name + ".lock")

    @property
    def log(self) -> Path:
        return self.directory / "refresh.log"

    @property
    def generations(self) -> Path:
        return self.directory / "generations"

    @property
    def state(self) -> Path:
        """dbt target and log folders of refreshes (only ever used under the lock)."""
        return self.directory / ".refresh" / self.live.stem

    @property
    def build(self) -> Path:
        """The file a refresh builds (only ever written under the lock)."""
        return self.live.with_name(f"{self.live.name}.build")

    def rollback_tmp(self, run_id: str) -> Path:
        return self.live.with_name(f"{self.live.name}.rollback-{run_id}")

    @property
    def _gen_prefix(self) -> str:
        return self.live.stem + "."

    @property
    def _gen_suffix(self) -> str:
        return self.live.suffix or ".duckdb"

    def generation(self, generation_id: str) -> Path:
        return self.generations / f"{self._gen_prefix}{generation_id}{self._gen_suffix}"

    def list_generations(self) -> list[tuple[str, Path]]:
        """(generation id, path), oldest first (ids are UTC timestamps, so they sort)."""
        if not self.generations.is_dir():
            return []
        found = []
        for path in self.generations.iterdir():
            name = path.name
            if name.startswith(self._gen_prefix) and name.endswith(self._gen_suffix):
                gen_id = name[len(self._gen_prefix) : len(name) - len(self._gen_suffix)]
                if gen_id and ".tmp-" not in gen_id:
                    found.append((gen_id, path))
        return sorted(found)

    def stale_files(self) -> list[Path]:
        """Leftovers of killed runs: build and rollback files (with WALs), temp archives."""
        patterns = [
            f"{self.live.name}.build",
            f"{self.live.name}.build.wal",
            f"{self.live.name}.build-*",  # earlier versions named the build file per run
            f"{self.live.name}.rollback-*",
        ]
        stale = [p for pattern in patterns for p in self.directory.glob(pattern)]
        if self.generations.is_dir():
            stale += self.generations.glob(f"{self._gen_prefix}*.tmp-*")
        return sorted(stale)


def new_run_id(now: datetime | None = None) -> str:
    """UTC timestamp to the millisecond, e.g. 20260630T051500.123Z: sortable, file-name safe."""
    now = now or datetime.now(UTC)
    return f"{now.strftime(TIMESTAMP_FORMAT)}.{now.microsecond // 1000:03d}Z"


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def _remove_with_wal(path: Path) -> None:
    _remove(path)
    _remove(path.with_name(path.name + ".wal"))


# ---------------------------------------------------------------------------- the lock


class LockBusy(Exception):
    """Another process holds the refresh lock."""

    def __init__(self, lock_path: Path, holder: dict[str, Any]):
        self.lock_path = lock_path
        self.holder = holder
        pid = holder.get("pid", "unknown")
        what = holder.get("action", "refresh")
        since = holder.get("started_at", "an unknown time")
        super().__init__(
            f"another {what} is running (pid {pid}, since {since}); "
            f"lock file {lock_path} is held — not starting"
        )


def read_lock_holder(lock_path: Path) -> dict[str, Any]:
    try:
        text = lock_path.read_text().strip()
        return json.loads(text) if text else {}
    except (OSError, ValueError):
        return {}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def exclusive_lock(lock_path: Path, info: dict[str, Any]) -> Iterator[int]:
    """flock(LOCK_EX | LOCK_NB) on ``lock_path``; raises LockBusy at once when it is held.

    The lock file is never deleted (that would let two processes lock two different files);
    it holds the holder's pid for the message of the next one. The kernel releases the lock
    when the holder dies, however it dies, so a stale lock file is never a problem.
    """
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # the holder writes its pid just after it takes the lock: give it a moment
            holder = read_lock_holder(lock_path)
            for _ in range(20):
                if holder:
                    break
                time.sleep(0.05)
                holder = read_lock_holder(lock_path)
            raise LockBusy(lock_path, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        try:
            yield fd
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the flock


# ---------------------------------------------------------------------------- processes


def _set_parent_death_signal() -> None:  # pragma: no cover - runs in the child
    """Linux: the child gets SIGTERM if the refresh dies, so no orphan dbt keeps building."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class StepFailed(Exception):
    def __init__(self, step: str, message: str):
        self.step = step
        super().__init__(message)


def run_step(
    step: str, command: Sequence[str], env: dict[str, str], lock_fd: int, cwd: Path
) -> int:
    """Run one step's command in the foreground; its output goes to ours (cron / journald)."""
    log(f"{step}: {shlex.join(command)}")
    started = time.monotonic()
    completed = subprocess.run(
        list(command),
        env=env,
        cwd=cwd,
        check=False,
        # The child holds the lock too: if the refresh is killed and the child lives on,
        # no second refresh can start beside it.
        pass_fds=(lock_fd,),
        preexec_fn=_set_parent_death_signal if sys.platform.startswith("linux") else None,
    )
    log(f"{step}: exit code {completed.returncode} after {time.monotonic() - started:.1f}s")
    return completed.returncode


def log(message: str) -> None:
    stamp = datetime.now(UTC).strftime("%H:%M:%S")
    print(f"[refresh {stamp}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- configuration


def default_project_dir() -> Path:
    cwd = Path.cwd()
    if (cwd / "dbt_project.yml").is_file():
        return cwd
    return Path(__file__).resolve().parents[3]


def dbt_executable() -> str:
    """$ABM_DBT_EXECUTABLE, else the dbt beside this Python, else dbt on the PATH."""
    if os.environ.get("ABM_DBT_EXECUTABLE"):
        return os.environ["ABM_DBT_EXECUTABLE"]
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


@dataclass(frozen=True)
class PostBuildCheck:
    """A check run on the build file after `dbt build`; a non-zero exit stops the publish."""

    name: str
    # (build file, models this run built or None for all) -> command
    command: Callable[[Path, Sequence[str] | None], list[str]]
    enabled: Callable[[], bool] = lambda: True


def _cli_check(sub_command: str, only_flag: str | None = None) -> PostBuildCheck:
    def command(warehouse: Path, only: Sequence[str] | None = None) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "abm_warehouse.cli",
            sub_command,
            "--warehouse",
            str(warehouse),
        ]
        if only is not None and only_flag:
            cmd += [only_flag, *only]
        return cmd

    def enabled() -> bool:
        from abm_warehouse import cli

        return sub_command in cli.COMMANDS

    return PostBuildCheck(sub_command, command, enabled)


# Extend here: each enabled check runs, in order, on the build file before it is published.
POST_BUILD_CHECKS: tuple[PostBuildCheck, ...] = (
    _cli_check("gx", "--marts"),  # data-quality suites of the marts the build made
)


def post_build_commands(
    build: Path, extra: Sequence[str] = (), only: Sequence[str] | None = None
) -> list[tuple[str, list[str]]]:
    """(name, command) of every enabled post-build check, then each `--check-command`.

    `only`: the models this run built (a planned partial build); None: everything was built.
    """
    commands = [(c.name, c.command(build, only)) for c in POST_BUILD_CHECKS if c.enabled()]
    for i, text in enumerate(extra, start=1):
        commands.append((f"check-{i}", shlex.split(text.replace("{warehouse}", str(build)))))
    return commands


@dataclass
class Options:
    warehouse: Path
    keep: int = DEFAULT_KEEP
    select: list[str] = field(default_factory=list)
    full_refresh: bool = False
    build_all: bool = False  # --all: a full build whatever changed
    skip_freshness: bool = False
    # --skip-tests: no dbt data or unit tests and no post-build checks (replays, simulations)
    skip_tests: bool = False
    fail_on_stale: bool = False
    # --copy-live: always copy the live file, never build on the previous generation
    copy_live: bool = False
    build_command: str | None = None
    freshness_command: str | None = None
    check_commands: list[str] = field(default_factory=list)
    vars: str | None = None
    # --as-of: a policy or a date (as_of.py); None: the as_of_date of --vars if it sets one,
    # else the live warehouse's
    as_of: str | None = None
    project_dir: Path = field(default_factory=default_project_dir)
    profiles_dir: Path | None = None
    # the publish guard (publish_guard.py): findings to accept, thresholds
    accept: list[str] = field(default_factory=list)
    max_row_drop: float = publish_guard.MAX_ROW_DROP
    max_null_jump: float = publish_guard.MAX_NULL_JUMP

    def dbt_common(self, target_path: Path, log_path: Path) -> list[str]:
        args = [
            "--project-dir",
            str(self.project_dir),
            "--profiles-dir",
            str(self.profiles_dir or self.project_dir),
            "--target-path",
            str(target_path),
            "--log-path",
            str(log_path),
        ]
        if self.vars:
            args += ["--vars", self.vars]
        return args

    def build_cmd(
        self,
        target_path: Path,
        log_path: Path,
        planned: Sequence[str] = (),
        full_refresh: bool = False,
    ) -> list[str]:
        if self.build_command:
            return shlex.split(self.build_command)
        cmd = [dbt_executable(), "build", *self.dbt_common(target_path, log_path)]
        select = list(self.select or planned)
        if select:
            cmd += ["--select", *select]
        if self.skip_tests:
            cmd += ["--exclude-resource-type", "test", "unit_test"]
        elif planned and not self.select:
            # a planned build: the code is what the last full build tested
            cmd += ["--exclude-resource-type", "unit_test"]
        # own extracts or a loader's database: do not seed the sample
        if os.environ.get("ABM_RAW_EXTRACTS_PATH") or os.environ.get("ABM_RAW_DATABASE_PATH"):
            cmd += ["--exclude", "tag:raw_sample"]
        if self.full_refresh or full_refresh:
            cmd.append("--full-refresh")
        return cmd

    def freshness_cmd(self, target_path: Path, log_path: Path) -> list[str]:
        if self.freshness_command:
            return shlex.split(self.freshness_command)
        return [dbt_executable(), "source", "freshness", *self.dbt_common(target_path, log_path)]

    def vars_as_of_date(self) -> str | None:
        """The `as_of_date` that --vars sets, if it does."""
        import yaml

        if self.vars:
            with contextlib.suppress(Exception):
                given = yaml.safe_load(self.vars) or {}
                if isinstance(given, dict) and "as_of_date" in given:
                    return str(given["as_of_date"])
        return None

    def project_as_of_date(self) -> str | None:
        """The `as_of_date` var of dbt_project.yml."""
        import yaml

        with contextlib.suppress(Exception):
            project = yaml.safe_load((self.project_dir / "dbt_project.yml").read_text())
            value = (project.get("vars") or {}).get("as_of_date")
            return None if value is None else str(value)
        return None

    def as_of_policy(self) -> str:
        """--as-of, else the date --vars sets, else `live`."""
        return self.as_of or self.vars_as_of_date() or "live"


# ---------------------------------------------------------------------------- the plan


def _read_previous(build: Path) -> inputs.Inputs | None:
    """The inputs recorded in the copy of the live file (None: no live file or no record)."""
    if not build.exists():
        return None
    import duckdb

    con = duckdb.connect(str(build), read_only=True)
    try:
        return inputs.read_recorded(con)
    finally:
        con.close()


def _live_as_of(live: Path, previous: inputs.Inputs | None = None) -> str | None:
    """The as-of date the live warehouse was built at: its record, else its int_as_of, else
    the as-of date of the latest published run in its ops.refresh_runs."""
    if previous is None:
        previous = _read_previous(live)
    if previous is not None and previous.as_of:
        return previous.as_of
    if not live.exists():
        return None
    import duckdb

    queries = (
        "select cast(max(as_of_date) as varchar) from intermediate.int_as_of",
        "select as_of_date from ops.refresh_runs where status = 'success' "
        "order by started_at desc limit 1",
    )
    for query in queries:
        with contextlib.suppress(Exception):
            con = duckdb.connect(str(live), read_only=True)
            try:
                row = con.execute(query).fetchone()
            finally:
                con.close()
            if row and row[0]:
                return str(row[0])
    return None


def resolve_as_of(opts: Options, paths: Paths, live_as_of: str | None) -> tuple[str, str]:
    """(the as-of date of this run, how it was decided); `live_as_of`: the live file's."""
    extracts = (os.environ.get("ABM_RAW_EXTRACTS_PATH") or "").strip() or None
    database = None if extracts else load.database_from_env()
    return as_of.resolve(
        opts.as_of_policy(),
        locations=inputs.raw_locations(opts.project_dir, extracts) if database is None else {},
        newest_loaded=(lambda: load.database_newest_loaded_at(*database)) if database else None,
        live=live_as_of,
        project_default=opts.project_as_of_date(),
        cache_file=paths.state / "loaded_at_cache.json",
    )


def _plan(
    opts: Options,
    build: Path,
    as_of_date: str,
    manifest_path: Path,
    live_as_of: str | None = None,
) -> tuple[inputs.Inputs | None, inputs.Plan | None]:
    """(inputs to record after success, the plan) — (None, None) for a partial or stub build.

    The plan is what changed since the build file (a copy of the live file or the previous
    generation) was built; the as-of date must not move backwards from the live file's
    (`live_as_of`), else inputs.AsOfBackwards, unless `--full-refresh`. A full build (`--all`,
    `--full-refresh`, nothing recorded) still records its inputs.
    """
    previous = _read_previous(build)
    if not opts.full_refresh:
        # whatever gets built, a refresh never moves the date backwards unless from scratch
        inputs.check_as_of_forward(live_as_of, as_of_date)
    if opts.select or opts.build_command:
        return None, None
    current = inputs.current_inputs(opts.project_dir, opts.vars, as_of=as_of_date)
    if opts.build_all or opts.full_refresh:
        flag = "--all" if opts.build_all else "--full-refresh"
        return current, inputs.Plan(inputs.FULL, f"{flag} given")
    plan = inputs.plan(previous, current)
    if plan.kind == inputs.CHANGED and plan.as_of_moved:
        nodes = _as_of_nodes(manifest_path)
        if nodes is None:
            return current, inputs.Plan(
                inputs.FULL,
                f"{plan.reason}; no manifest of the last build at {manifest_path} to find "
                "the models that read it",
            )
        plan = dataclasses.replace(plan, as_of_nodes=tuple(nodes))
    return current, plan


def _live_plan_is_partial(opts: Options, live: Path, as_of_date: str) -> bool:
    """True when the live file's own plan is a partial build (`changed`): only then may a run
    build on the previous generation. `nothing`: that generation would still have the live
    file's changes to catch up on; `full` (new code or vars, or the live file has no record
    after a `--select` build): the live file is what the run starts from."""
    if opts.full_refresh or opts.build_all:
        return False
    current = inputs.current_inputs(opts.project_dir, opts.vars, as_of=as_of_date)
    try:
        return inputs.plan(_read_previous(live), current).kind == inputs.CHANGED
    except inputs.AsOfBackwards:
        return False


def _as_of_nodes(manifest_path: Path) -> list[str] | None:
    """The models that read the as-of date, from the last build's manifest (None: none)."""
    if not manifest_path.is_file():
        return None
    try:
        manifest = json.loads(manifest_path.read_text())
    except ValueError:
        return None
    return inputs.as_of_dependent_nodes(manifest)


def _changed_brief(plan: inputs.Plan) -> str:
    return f": {', '.join(plan.changed)}" if plan.changed else ""


# ---------------------------------------------------------------------------- dbt artefacts


def read_built_models(target_path: Path) -> list[str]:
    """Names of the models the last dbt invocation built (run_results.json)."""
    path = target_path / "run_results.json"
    if not path.exists():
        return []
    results = json.loads(path.read_text()).get("results", [])
    return sorted(
        r["unique_id"].rsplit(".", 1)[-1]
        for r in results
        if r.get("unique_id", "").startswith("model.") and r.get("status") == "success"
    )


def read_test_results(target_path: Path) -> list[dict[str, Any]]:
    """Failing, erroring and warning nodes of the last dbt invocation's run_results.json."""
    path = target_path / "run_results.json"
    if not path.is_file():
        return []
    try:
        results = json.loads(path.read_text()).get("results", [])
    except ValueError:
        return []
    return [
        {"unique_id": r.get("unique_id"), "status": r.get("status"), "failures": r.get("failures")}
        for r in results
        if r.get("status") in ("fail", "error", "warn")
    ]


def read_freshness(target_path: Path, exit_code: int) -> dict[str, Any]:
    """Summary of sources.json: overall status and the sources per non-pass status."""
    path = target_path / "sources.json"
    by_status: dict[str, list[str]] = {}
    if path.is_file():
        with contextlib.suppress(ValueError):
            for r in json.loads(path.read_text()).get("results", []):
                by_status.setdefault(r.get("status", "unknown"), []).append(r.get("unique_id"))
    if not by_status:
        return {"status": "unavailable", "exit_code": exit_code}
    # Worst first: a source that could not be checked counts as an error.
    order = ("runtime error", "error", "warn", "pass")
    worst = next((s for s in order if s in by_status), "unknown")
    summary: dict[str, Any] = {
        "status": "error" if worst == "runtime error" else worst,
        "exit_code": exit_code,
        "counts": {s: len(v) for s, v in sorted(by_status.items())},
    }
    for status in ("runtime error", "error", "warn"):
        if status in by_status:
            summary[status.replace(" ", "_")] = sorted(by_status[status])
    return summary


def _freshness_brief(freshness: dict[str, Any]) -> str:
    """One line: the status, then up to 3 sources per non-pass status (the log has them all)."""
    parts = [freshness["status"]]
    for key in ("runtime_error", "error", "warn"):
        names = [n.removeprefix("source.") for n in freshness.get(key, [])]
        if names:
            more = f" and {len(names) - 3} more" if len(names) > 3 else ""
            parts.append(f"{key.replace('_', ' ')}: {', '.join(names[:3])}{more}")
    if freshness["status"] == "unavailable":
        parts.append(f"no sources.json (exit code {freshness.get('exit_code')})")
    return "; ".join(parts)


# ---------------------------------------------------------------------------- the database


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


# ---------------------------------------------------------------------------- publishing


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


# ---------------------------------------------------------------------------- the run log


def append_log(paths: Paths, record: dict[str, Any]) -> None:
    paths.directory.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, default=str, sort_keys=True) + "\n"
    fd = os.open(paths.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())  # one write per line: concurrent appends do not interleave
        os.fsync(fd)
    finally:
        os.close(fd)


def read_log(paths: Paths, last: int | None = None) -> list[dict[str, Any]]:
    if not paths.log.is_file():
        return []
    records = []
    for line in paths.log.read_text().splitlines():
        with contextlib.suppress(ValueError):
            records.append(json.loads(line))
    return records[-last:] if last else records


def _base_record(action: str, run_id: str, paths: Paths) -> dict[str, Any]:
    return {
        "action": action,
        "run_id": run_id,
        "started_at": datetime.now(UTC).isoformat(),
        "warehouse": str(paths.live),
        "pid": os.getpid(),
        "host": socket.gethostname(),
    }


# Tables of the live file that no build reproduces from the raw files: the run history and
# the snapshots (CRM history captured at each run). A build on the previous generation takes
# them from the live file (ops.refresh_inputs stays: it says what the build file was built from).
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


# ---------------------------------------------------------------------------- refresh


class _Terminated(Exception):
    pass


def _raise_terminated(signum: int, _frame: Any) -> None:
    raise _Terminated(f"received signal {signal.Signals(signum).name}")


def refresh(opts: Options) -> int:
    paths = Paths(opts.warehouse.absolute())
    run_id = new_run_id()
    record = _base_record("refresh", run_id, paths)
    record.update(
        generation=run_id,
        dbt_version=_version("dbt-core"),
        duckdb_version=_version("duckdb"),
    )
    try:
        with exclusive_lock(paths.lock, _lock_info(record)) as lock_fd:
            return _refresh_locked(opts, paths, record, lock_fd)
    except LockBusy as busy:
        log(str(busy))
        record.update(status="locked", ended_at=datetime.now(UTC).isoformat())
        record["lock_holder"] = busy.holder
        with contextlib.suppress(OSError):
            append_log(paths, record)
        return EXIT_LOCKED


def _lock_info(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in ("action", "run_id", "pid", "host", "started_at")}


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


@contextlib.contextmanager
def _step(record: dict[str, Any], name: str) -> Iterator[None]:
    """Time one step of a refresh into record["steps"] (seconds, in refresh.log)."""
    started = time.monotonic()
    try:
        yield
    finally:
        record.setdefault("steps", {})[name] = round(time.monotonic() - started, 2)


def forget_parse_of_another_checkout(target_path: Path, project_dir: Path) -> str | None:
    """Delete dbt's partial-parse state when another checkout of the project wrote it.

    dbt keeps a seed's absolute `root_path` in `partial_parse.msgpack` and loads the seed's CSV
    from there; partial parsing re-reads changed files only and does not compare that path with
    the project's. A refresh state written by the project at another path (a moved checkout, a
    container that mounts the project elsewhere, a git worktree) would then load the seeds of
    the old path, or fail when it is gone. Returns the other path when the state was deleted
    (dbt parses in full once), else None.
    """
    state = target_path / "partial_parse.msgpack"
    if not state.is_file():
        return None
    try:
        import msgpack

        manifest = msgpack.unpackb(state.read_bytes(), raw=False, strict_map_key=False)
        roots = {
            node["root_path"]
            for node in (manifest.get("nodes") or {}).values()
            if isinstance(node, dict) and node.get("root_path")
        }
    except Exception:  # unreadable: dbt itself discards a state it cannot load
        return None
    here = str(project_dir.resolve())
    other = sorted(r for r in roots if str(Path(r).resolve()) != here)
    if not other:
        return None
    state.unlink()
    return other[0]


def _refresh_locked(opts: Options, paths: Paths, record: dict[str, Any], lock_fd: int) -> int:
    record["cleaned_stale"] = _clean_stale(paths)
    build = paths.build
    target_path = paths.state / "target"
    log_path = paths.state / "logs"
    target_path.mkdir(parents=True, exist_ok=True)
    log_path.mkdir(parents=True, exist_ok=True)
    other_checkout = forget_parse_of_another_checkout(target_path, opts.project_dir)
    if other_checkout:
        record["parse_state_forgotten"] = other_checkout
        log(f"dbt's parse state was written by the project at {other_checkout}: parsing again")
    env = dict(os.environ)
    env.update(
        ABM_WAREHOUSE_PATH=str(build),
        ABM_REFRESH_RUN_ID=record["run_id"],
        DBT_TARGET_PATH=str(target_path),
        DBT_LOG_PATH=str(log_path),
    )
    status, exit_code = "error", EXIT_FAILED
    try:
        # 1. the live file: not opened read-write by anyone; the as-of date it was built at.
        live_as_of = None
        if paths.live.exists():
            if paths.live.with_name(paths.live.name + ".wal").exists():
                raise RuntimeError(
                    f"{paths.live}.wal exists: something opened the live file read-write; "
                    "readers must open it read-only (see docs/operations.md)"
                )
            live_as_of = _live_as_of(paths.live)
        # 2. the as-of date, passed to every dbt step in ABM_AS_OF_DATE (not a var: a new date
        #    then does not make dbt re-parse the project).
        try:
            with _step(record, "as_of"):
                as_of_date, how = resolve_as_of(opts, paths, live_as_of)
        except (as_of.NoLoadedData, ValueError) as exc:
            raise StepFailed("as_of", str(exc)) from None
        record.update(as_of_date=as_of_date, as_of_policy=opts.as_of_policy(), as_of_reason=how)
        env["ABM_AS_OF_DATE"] = as_of_date
        log(f"as-of date {as_of_date} ({how})")
        if not opts.full_refresh:
            # whatever gets built, a refresh never moves the date backwards unless from scratch
            try:
                inputs.check_as_of_forward(live_as_of, as_of_date)
            except inputs.AsOfBackwards as exc:
                raise StepFailed("plan", str(exc)) from None
        # the build file: the previous generation, in place, when the live file's own plan is a
        # partial build (some raw files changed, the as-of date moved), else a copy of the live
        # file (never written in place, so a plain copy)
        if paths.live.exists():
            standby = None
            if not (opts.select or opts.build_command or opts.copy_live):
                standby = standby_generation(paths)
            if standby is not None and not _live_plan_is_partial(opts, paths.live, as_of_date):
                standby = None
            if standby is not None:
                gen_id, gen_path = standby
                log(
                    f"building on generation {gen_id} (the previous live file) in place of a "
                    f"copy of {paths.live.name}; it leaves generations/"
                )
                with _step(record, "standby"):
                    os.replace(gen_path, build)
                    fsync_dir(paths.generations)
                    record["carried_over"] = carry_over_from_live(build, paths.live)
                record["build_base"] = f"generation {gen_id}"
            else:
                log(f"copying {paths.live} -> {build.name}")
                with _step(record, "copy"):
                    shutil.copyfile(paths.live, build)
                record["build_base"] = "copy of the live file"
        else:
            log(f"{paths.live} does not exist: building from an empty database")
        # 3. dbt build: planned from what changed since the live file was built.
        try:
            with _step(record, "plan"):
                current, plan = _plan(
                    opts, build, as_of_date, target_path / "manifest.json", live_as_of
                )
        except inputs.AsOfBackwards as exc:
            raise StepFailed("plan", str(exc)) from None
        if plan is not None:
            record["plan"] = plan.as_dict()
            log(f"plan: {plan.kind} ({plan.reason})" + _changed_brief(plan))
        for stale in ("run_results.json", "sources.json"):
            _remove(target_path / stale)
        built_models: list[str] | None = None  # None: everything
        if plan is not None and plan.kind == inputs.NOTHING:
            record["build_command"] = None
            record["failing_tests"] = []
            built_models = []
        else:
            planned = plan.select if plan is not None and plan.kind == inputs.CHANGED else []
            full_refresh = plan is not None and plan.full_refresh
            build_cmd = opts.build_cmd(target_path, log_path, planned, full_refresh)
            record["build_command"] = shlex.join(build_cmd)
            with _step(record, "build"):
                code = run_step("build", build_cmd, env, lock_fd, opts.project_dir)
            record["failing_tests"] = read_test_results(target_path)
            if code != 0:
                raise StepFailed("build", f"build exited with code {code}")
            if planned:
                built_models = read_built_models(target_path)
        if not build.exists():
            raise StepFailed("build", f"the build produced no database at {build}")
        # 4. source freshness of what is about to be published.
        if opts.skip_freshness:
            record["freshness"] = {"status": "skipped"}
        else:
            code = run_step(
                "freshness",
                opts.freshness_cmd(target_path, log_path),
                env,
                lock_fd,
                opts.project_dir,
            )
            record["freshness"] = freshness = read_freshness(target_path, code)
            if freshness["status"] in ("error", "unavailable"):
                message = "source freshness: " + _freshness_brief(freshness)
                if opts.fail_on_stale:
                    raise StepFailed("freshness", message)
                log(f"WARNING {message}; publishing anyway (pass --fail-on-stale to stop)")
            elif freshness["status"] == "warn":
                log("WARNING source freshness: " + _freshness_brief(freshness))
        # 5. post-build checks.
        if opts.skip_tests:
            record["tests_skipped"] = True
            log("WARNING --skip-tests: no data tests and no post-build checks ran on this build")
        checks = (
            [] if opts.skip_tests else post_build_commands(build, opts.check_commands, built_models)
        )
        for name, command in checks:
            if name == "gx" and built_models == []:
                continue  # no mart was rebuilt: the published suites still hold
            with _step(record, name):
                code = run_step(name, command, env, lock_fd, opts.project_dir)
            if code != 0:
                raise StepFailed(name, f"post-build check {name} exited with code {code}")
        # 5b. the publish guard: implausible changes against the live file stop the publish.
        if not opts.skip_tests and paths.live.exists():
            with _step(record, "guard"):
                blocking, accepted = publish_guard.check(
                    build, paths.live, opts.accept, opts.max_row_drop, opts.max_null_jump
                )
            record["guard"] = {
                "blocking": [f.key for f in blocking],
                "accepted": [f.key for f in accepted],
            }
            text = publish_guard.report(blocking, accepted)
            if text:
                log(text)
            if blocking:
                raise StepFailed(
                    "guard",
                    f"{len(blocking)} implausible change(s) against the live warehouse: "
                    + ", ".join(f.key for f in blocking[:5])
                    + (" ..." if len(blocking) > 5 else ""),
                )
        # 6. ops tables, checkpoint, close. The previous generation is the name publish will
        # archive the live file under (its latest run, or its mtime when no refresh made it:
        # `make warehouse`, a first refresh), so the next refresh can build on it.
        with _step(record, "record"):
            if paths.live.exists():
                record["previous_generation"] = generation_of(paths.live)
            record_and_checkpoint(build, record, current)
        # 7. publish.
        with _step(record, "publish"):
            archived = publish(paths, build, opts.keep)
        record["archived_generation"] = archived
        status, exit_code = "success", EXIT_OK
        log(f"published generation {record['generation']} to {paths.live}")
    except StepFailed as failed:
        status = "failed"
        record.update(failed_step=failed.step, error=str(failed))
        log(f"FAILED at {failed.step}: {failed}; {paths.live} is unchanged")
    except (Exception, _Terminated, KeyboardInterrupt) as exc:
        record.update(error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
        log(f"ERROR {type(exc).__name__}: {exc}; {paths.live} is unchanged")
    finally:
        _remove_with_wal(build)
        record["status"] = status
        record["published"] = status == "success"
        record["ended_at"] = datetime.now(UTC).isoformat()
        record["duration_s"] = round(
            (
                datetime.fromisoformat(record["ended_at"])
                - datetime.fromisoformat(record["started_at"])
            ).total_seconds(),
            3,
        )
        append_log(paths, record)
    return exit_code


# ---------------------------------------------------------------------------- rollback


def rollback(warehouse: Path, to: str | None) -> int:
    paths = Paths(warehouse.absolute())
    run_id = new_run_id()
    record = _base_record("rollback", run_id, paths)
    try:
        with exclusive_lock(paths.lock, _lock_info(record)):
            record["cleaned_stale"] = _clean_stale(paths)
            try:
                code = _rollback_locked(paths, to, record)
            except Exception as exc:
                record.update(status="error", error=f"{type(exc).__name__}: {exc}")
                log(f"ERROR {type(exc).__name__}: {exc}")
                code = EXIT_FAILED
            finally:
                _remove_with_wal(paths.rollback_tmp(run_id))
                record["ended_at"] = datetime.now(UTC).isoformat()
                append_log(paths, record)
            return code
    except LockBusy as busy:
        log(str(busy))
        return EXIT_LOCKED


def _pick_generation(paths: Paths, to: str | None, live_id: str | None) -> tuple[str, Path]:
    generations = paths.list_generations()
    if not generations:
        raise RuntimeError(f"no generations in {paths.generations}")
    if to:
        wanted = Path(to).name
        exact = [
            (g, p)
            for g, p in generations
            if wanted in (g, p.name) or Path(to).absolute() == p.absolute()
        ]
        matches = exact or [(g, p) for g, p in generations if g.startswith(wanted)]
        if len(matches) != 1:
            known = ", ".join(g for g, _ in generations)
            raise RuntimeError(f"--to {to!r} matches {len(matches)} generations (have: {known})")
        return matches[0]
    older = [(g, p) for g, p in generations if live_id is None or g < live_id]
    if not older:
        raise RuntimeError(f"no generation older than the live one ({live_id})")
    return older[-1]


def _rollback_locked(paths: Paths, to: str | None, record: dict[str, Any]) -> int:
    live_id = generation_of(paths.live) if paths.live.exists() else None
    gen_id, gen_path = _pick_generation(paths, to, live_id)
    record.update(from_generation=live_id, to_generation=gen_id)
    if paths.live.exists() and os.path.samefile(paths.live, gen_path):
        log(f"generation {gen_id} is already live")
        record["status"] = "success"
        return EXIT_OK
    if paths.live.exists():
        archive_live(paths, live_id)  # keeps the current file: a rollback can be undone
    tmp = paths.rollback_tmp(record["run_id"])
    try:
        os.link(gen_path, tmp)
    except OSError:
        shutil.copy2(gen_path, tmp)
        fsync_file(tmp)
    os.replace(tmp, paths.live)
    fsync_dir(paths.directory)
    record["status"] = "success"
    log(f"rolled back {paths.live}: generation {live_id} -> {gen_id}")
    return EXIT_OK


# ---------------------------------------------------------------------------- status


def status(warehouse: Path, out: Any = None) -> int:
    out = out or sys.stdout
    paths = Paths(warehouse.absolute())
    print(f"warehouse: {paths.live}", file=out)
    live_stat = paths.live.stat() if paths.live.exists() else None
    if live_stat:
        print(
            f"  live generation {generation_of(paths.live)}, {live_stat.st_size:,} bytes, "
            f"written {_utc(live_stat.st_mtime).isoformat(timespec='seconds')}",
            file=out,
        )
        live_as_of = None
        with contextlib.suppress(Exception):
            live_as_of = _live_as_of(paths.live, _read_previous(paths.live))
        print(f"  as of {live_as_of or 'unknown'}", file=out)
    else:
        print("  no live file", file=out)
    holder = read_lock_holder(paths.lock)
    if holder.get("pid") and _pid_alive(int(holder["pid"])):
        print(
            f"lock {paths.lock}: held by pid {holder['pid']} ({holder.get('action')} "
            f"{holder.get('run_id')}, since {holder.get('started_at')})",
            file=out,
        )
    else:
        print(f"lock {paths.lock}: free", file=out)
    generations = paths.list_generations()
    print(f"generations in {paths.generations}: {len(generations)}", file=out)
    for gen_id, path in reversed(generations):
        st = path.stat()
        is_live = live_stat is not None and (st.st_ino, st.st_dev) == (
            live_stat.st_ino,
            live_stat.st_dev,
        )
        print(f"  {gen_id}  {st.st_size:>14,} bytes{'  (live)' if is_live else ''}", file=out)
    stale = paths.stale_files()
    if stale:
        print("left by interrupted runs: " + ", ".join(p.name for p in stale), file=out)
    print(f"last runs ({paths.log}):", file=out)
    for r in read_log(paths, last=5):
        extra = r.get("failed_step") or r.get("to_generation") or r.get("generation") or ""
        as_of_text = f"as of {r['as_of_date']}  " if r.get("as_of_date") else ""
        print(
            f"  {r.get('started_at', '')[:19]}  {r.get('action', ''):8} {r.get('status', ''):8} "
            f"{as_of_text}{extra}",
            file=out,
        )
    return EXIT_OK


# ---------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=Path(os.environ.get("ABM_LIVE_WAREHOUSE", DEFAULT_WAREHOUSE)),
        help=f"the live file readers open (default {DEFAULT_WAREHOUSE})",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--rollback", action="store_true", help="put a previous generation back as the live file"
    )
    mode.add_argument(
        "--status", action="store_true", help="print the live file, lock, generations"
    )
    parser.add_argument(
        "--to", metavar="GENERATION", help="with --rollback: this generation (id or file name)"
    )
    parser.add_argument(
        "--keep", type=int, default=DEFAULT_KEEP, help="generations to keep (default %(default)s)"
    )
    parser.add_argument("--select", nargs="+", default=[], help="dbt --select for the build")
    parser.add_argument("--full-refresh", action="store_true", help="dbt build --full-refresh")
    parser.add_argument(
        "--all",
        dest="build_all",
        action="store_true",
        help="build everything (default: only what the changed raw files feed, see inputs.py)",
    )
    parser.add_argument("--vars", help="dbt --vars (YAML) for the build and freshness")
    parser.add_argument(
        "--as-of",
        metavar="DATE|loaded|yesterday|today|live",
        type=_as_of_arg,
        default=None,
        help="the warehouse's as-of date: a date, `loaded` (the day before the newest "
        "_loaded_at of the raw data: what scheduled runs use), `yesterday` / `today` (UTC) or "
        "`live` (the live warehouse's date, the default; the as_of_date of --vars if it sets "
        "one). Never moves backwards unless --full-refresh (docs/operations.md)",
    )
    parser.add_argument(
        "--skip-freshness", action="store_true", help="do not run `dbt source freshness`"
    )
    parser.add_argument(
        "--skip-tests",
        action="store_true",
        help="build without dbt data tests and post-build checks (GX): for replays and "
        "simulations of the incremental logic, never for the warehouse people read "
        "(recorded as tests_skipped in refresh.log)",
    )
    parser.add_argument(
        "--copy-live",
        action="store_true",
        help="build on a copy of the live file even when the previous generation could be "
        "built on in place (the default with --keep 1 or more; see docs/operations.md)",
    )
    parser.add_argument(
        "--fail-on-stale",
        action="store_true",
        help="do not publish when source freshness errors (default: record and warn)",
    )
    parser.add_argument(
        "--build-command",
        help="run this instead of `dbt build` (ABM_WAREHOUSE_PATH points at the build file)",
    )
    parser.add_argument(
        "--freshness-command",
        help="run this instead of `dbt source freshness` (writes $DBT_TARGET_PATH/sources.json)",
    )
    parser.add_argument(
        "--check-command",
        action="append",
        default=[],
        metavar="CMD",
        help="an extra post-build check ({warehouse} = the build file); repeatable",
    )
    parser.add_argument(
        "--project-dir", type=Path, default=None, help="dbt project (default: this project)"
    )
    parser.add_argument("--profiles-dir", type=Path, default=None, help="default: --project-dir")
    publish_guard.add_guard_options(parser)


def _as_of_arg(text: str) -> str:
    try:
        return as_of.parse_policy(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    if args.keep < 0:
        log("--keep must be 0 or more")
        return 2
    if args.to and not args.rollback:
        log("--to needs --rollback")
        return 2
    if args.as_of and getattr(args, "vars", None):
        given = Options(warehouse=args.warehouse, vars=args.vars).vars_as_of_date()
        if given is not None:
            log("--as-of and an as_of_date in --vars: give the date once, with --as-of")
            return 2
    if args.status:
        return status(args.warehouse)
    # SIGTERM (systemd stop, timeout) unwinds like an exception: the build file is removed.
    signal.signal(signal.SIGTERM, _raise_terminated)
    if args.rollback:
        return rollback(args.warehouse, args.to)
    opts = Options(
        warehouse=args.warehouse,
        keep=args.keep,
        select=args.select,
        full_refresh=args.full_refresh,
        build_all=args.build_all,
        skip_freshness=args.skip_freshness,
        skip_tests=args.skip_tests,
        fail_on_stale=args.fail_on_stale,
        copy_live=args.copy_live,
        build_command=args.build_command,
        freshness_command=args.freshness_command,
        check_commands=args.check_command,
        vars=args.vars,
        as_of=args.as_of,
        project_dir=(args.project_dir or default_project_dir()).absolute(),
        profiles_dir=args.profiles_dir.absolute() if args.profiles_dir else None,
        accept=args.accept,
        max_row_drop=args.max_row_drop,
        max_null_jump=args.max_null_jump,
    )
    return refresh(opts)
