"""Benchmark the warehouse build against the bare-DuckDB floor (issue 10).

``abm-warehouse bench --scales 0.25 1 --out benchmarks`` does, per scale: generate the raw
extracts as Parquet, build the warehouse from them (``dbt build`` with ABM_RAW_EXTRACTS_PATH),
time every phase (load, staging, intermediate, marts, Python models, snapshots, tests) from
run_results.json, poll the peak resident memory of the dbt process tree (each page once: summed
PSS), list the slowest models, time ``benchmarks/floor.sql`` (the headline KPIs straight from
the same files, one DuckDB query),
then append one more day of web and e-mail events and time ``abm-warehouse refresh`` on a
copy (the data ends the day before the as-of date; the new day is the as-of day). Writes
``<out>/results.json`` and ``<out>/report.md``; not part of ``make test``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from abm_warehouse.ops import inputs

# Keys results.json always has (issue 10); values may be null when not measured.
RESULT_KEYS = (
    "ratio_full_to_floor",
    "full_build_s",
    "floor_s",
    "peak_rss_mb",
    "incremental_share",
    "scaling_4x_ratio",
    "scale",
    "machine",
)
SKIP_GX_MAIN = (
    "import sys; from abm_warehouse import cli; cli.COMMANDS.pop('gx', None); "
    "sys.exit(cli.main(sys.argv[1:]))"
)
PHASES = ("load", "staging", "intermediate", "marts", "python", "snapshots", "tests", "other")
FLOOR_SQL = "benchmarks/floor.sql"
DEFAULT_AS_OF = date(2026, 6, 30)  # the warehouse's as_of_date (dbt_project.yml)
# Benchmark data ends the day before the as-of date, so "one more day" (the refresh's new day)
# is the as-of day itself: the refresh keeps the project's as_of_date and stays in the month.
DATA_AS_OF = DEFAULT_AS_OF - timedelta(days=1)
# The event tables "one more day" is appended to: (id column, event timestamp column).
EVENT_TABLES = {"web_event": ("event_id", "occurred_at"), "email_event": ("id", "created")}


def project_root() -> Path:
    return Path(__file__).resolve().parents[3]


# ---------------------------------------------------------------------------- memory


def _tree_pids(root: int) -> list[int]:
    """``root`` and every descendant, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                stat = f.read()
        except OSError:
            continue
        # the command may contain spaces and parentheses: fields follow the last ')'
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, []))
    return pids


def _proc_kib(path: str, field: str) -> int | None:
    """A `<field>: <n> kB` line of a /proc file, in bytes (None: no such file or line)."""
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def rss_bytes(pid: int) -> int:
    """Resident set size of one process (0 when it is gone)."""
    return _proc_kib(f"/proc/{pid}/status", "VmRSS:") or 0


def pss_bytes(pid: int) -> int:
    """Proportional set size of one process: its resident pages, each page it shares with
    other processes divided among them (0 when it is gone; its RSS where the kernel does not
    report PSS)."""
    pss = _proc_kib(f"/proc/{pid}/smaps_rollup", "Pss:")
    return rss_bytes(pid) if pss is None else pss


def tree_rss_bytes(root: int) -> int:
    """Summed RSS of a process tree: a page that forked processes share counts once per
    process (an overcount)."""
    return sum(rss_bytes(p) for p in _tree_pids(root))


def tree_resident_bytes(root: int) -> int:
    """Resident memory of a process tree, each page once: the sum of its processes' PSS. The
    GX step forks workers that share the marts the parent read (copy-on-write): summed RSS
    counted those frames once per worker (4.3 GB at enterprise scale for 2.1 GB resident)."""
    return sum(pss_bytes(p) for p in _tree_pids(root))


class RssPoller:
    """Poll the resident memory of a process tree in a thread: ``peak_bytes`` is the maximum
    seen of the tree's memory, each page once (tree_resident_bytes: summed PSS);
    ``peak_summed_rss_bytes`` the maximum of its processes' summed RSS (shared pages once per
    process), reported beside it."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.pid = pid
        self.interval = interval
        self.peak_bytes = 0
        self.peak_summed_rss_bytes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.peak_bytes = max(self.peak_bytes, tree_resident_bytes(self.pid))
            self.peak_summed_rss_bytes = max(self.peak_summed_rss_bytes, tree_rss_bytes(self.pid))
            self.samples += 1
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> RssPoller:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return round(self.peak_bytes / 2**20, 1)


def run_measured(cmd: Sequence[str], env: dict, cwd: Path, log: Path) -> dict:
    """Run ``cmd``; wall seconds, exit code and the peak resident memory (MB) of its process
    tree, each page once (RssPoller), with the peak of its summed RSS beside it."""
    started = time.monotonic()
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            with RssPoller(proc.pid) as poller:
                code = proc.wait()
        except BaseException:  # interrupted: do not leave the child running
            proc.terminate()
            proc.wait()
            raise
    return {
        "seconds": round(time.monotonic() - started, 2),
        "returncode": code,
        "peak_rss_mb": poller.peak_mb,
        "peak_summed_rss_mb": round(poller.peak_summed_rss_bytes / 2**20, 1),
    }


# ---------------------------------------------------------------------------- dbt phases


def node_phase(node: dict) -> str:
    """Benchmark phase of a manifest node (model, seed, snapshot, test)."""
    kind = node.get("resource_type")
    path = node.get("original_file_path", "")
    if kind == "seed":
        return "load"
    if kind in ("test", "unit_test"):
        return "tests"
    if kind == "snapshot":
        return "snapshots"
    if kind != "model":
        return "other"
    if node.get("name", "").startswith("base_"):
        return "load"  # the base_ tables read the raw files
    if path.startswith("models/staging/"):
        return "staging"
    if path.startswith("models/intermediate/"):
        return "intermediate"
    if path.startswith("models/marts/"):
        return "python" if node.get("language") == "python" else "marts"
    return "other"


def _node_span(result: dict) -> tuple[str | None, str | None]:
    times = [t for t in result.get("timing", []) if t.get("started_at")]
    if not times:
        return None, None
    return min(t["started_at"] for t in times), max(t["completed_at"] for t in times)


def phase_timings(run_results: dict, manifest: dict) -> dict:
    """Per phase: nodes, summed node seconds, and wall span (first start to last end).

    dbt runs nodes of different phases side by side (threads), so spans overlap and the
    summed node seconds exceed the wall time with more than one thread."""
    from datetime import datetime

    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    phases: dict[str, dict] = {}
    for r in run_results["results"]:
        node = nodes.get(r["unique_id"], {"resource_type": r["unique_id"].split(".")[0]})
        p = phases.setdefault(
            node_phase(node), {"nodes": 0, "node_seconds": 0.0, "start": None, "end": None}
        )
        p["nodes"] += 1
        p["node_seconds"] += r.get("execution_time") or 0.0
        start, end = _node_span(r)
        if start:
            p["start"] = min(p["start"] or start, start)
            p["end"] = max(p["end"] or end, end)
    out = {}
    for name in PHASES:
        if name not in phases:
            continue
        p = phases[name]
        span = None
        if p["start"]:
            t0 = datetime.fromisoformat(p["start"].replace("Z", "+00:00"))
            t1 = datetime.fromisoformat(p["end"].replace("Z", "+00:00"))
            span = round((t1 - t0).total_seconds(), 2)
        out[name] = {
            "nodes": p["nodes"],
            "node_seconds": round(p["node_seconds"], 2),
            "wall_span_s": span,
        }
    return out


def slowest_nodes(run_results: dict, n: int = 10, kinds: tuple[str, ...] = ("model",)) -> list:
    rows = [
        {
            "node": r["unique_id"].split(".", 2)[-1],
            "seconds": round(r.get("execution_time") or 0.0, 2),
            "status": r.get("status"),
        }
        for r in run_results["results"]
        if r["unique_id"].split(".")[0] in kinds
    ]
    return sorted(rows, key=lambda r: -r["seconds"])[:n]


# ---------------------------------------------------------------------------- floor


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


# ---------------------------------------------------------------------------- one more day


def append_one_day(raw_dir: Path, out_dir: Path, as_of: date) -> dict:
    """A copy of ``raw_dir`` whose event tables gain one more day (as_of + 1): the events of
    the as-of day again, moved one day later, with new ids, arriving in one new load: their
    ``_loaded_at`` comes after every load already in the file (one hour after its newest, in
    their original order), as the next scheduled extract's would. Moving each row's own load
    time one day later instead would put many new rows before the file's newest load (late
    events are loaded up to days after they happen), which no real loader does and which the
    incremental models' watermark rightly does not look back for."""
    import duckdb

    out_dir.mkdir(parents=True, exist_ok=True)
    for f in raw_dir.iterdir():
        if f.is_file() and f.stem not in EVENT_TABLES:
            shutil.copy(f, out_dir / f.name)
    con = duckdb.connect()
    added = {}
    day = as_of.isoformat()
    for table, (id_col, ts) in EVENT_TABLES.items():
        src = raw_file(raw_dir, table)
        cols = [r[0] for r in con.execute(f"describe select * from {src}").fetchall()]
        newest_load, first_day_load = con.execute(
            f"select max(try_cast(_loaded_at as timestamp)), "
            f"min(try_cast(_loaded_at as timestamp)) filter (where substr({ts}, 1, 10) = '{day}') "
            f"from {src}"
        ).fetchone()
        new_load = (
            f"timestamp '{newest_load}' + interval 1 hour "
            f"+ (try_cast(_loaded_at as timestamp) - timestamp '{first_day_load}')"
        )
        shifted = ", ".join(
            f"{id_col} || '-d1' as {id_col}"
            if c == id_col
            else f"strftime(try_cast({c} as timestamp) + interval 1 day, "
            f"'%Y-%m-%dT%H:%M:%SZ') as {c}"
            if c == ts
            else f"strftime({new_load}, '%Y-%m-%dT%H:%M:%SZ') as {c}"
            if c == "_loaded_at"
            else c
            for c in cols
        )
        new_day = f"select {shifted} from {src} where substr({ts}, 1, 10) = '{day}'"
        target = out_dir / f"{table}.parquet"
        con.execute(
            f"copy (select * from {src} union all {new_day}) to '{target}' "
            "(format parquet, compression zstd)"
        )
        added[table] = con.execute(f"select count(*) from ({new_day})").fetchone()[0]
    con.close()
    return added


# ---------------------------------------------------------------------------- one scale


def run_floor_process(raw: Path, as_of: date, memory_limit: str, stem: Path) -> dict:
    """Run the floor in a child process (so its RSS is its own): seconds, peak RSS, rows."""
    out_json = stem.with_suffix(".json")
    out_json.unlink(missing_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "abm_warehouse.tooling.bench",
        "--floor-only",
        str(raw),
        "--floor-json",
        str(out_json),
        "--as-of",
        as_of.isoformat(),
        "--memory-limit",
        memory_limit,
    ]
    measured = run_measured(cmd, dict(os.environ), project_root(), stem.with_suffix(".log"))
    if not out_json.exists():
        return {"seconds": None, "peak_rss_mb": measured["peak_rss_mb"], "rows": None}
    result = json.loads(out_json.read_text())
    rows = [(k, date.fromisoformat(m), d, v) for k, m, d, v in result["rows"]]
    return {"seconds": result["seconds"], "peak_rss_mb": measured["peak_rss_mb"], "rows": rows}


def code_version(root: Path) -> str | None:
    """The project's commit a run measured (`git describe --always --dirty`), if known."""
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def machine() -> dict:
    mem = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            mem = round(int(f.readline().split()[1]) / 2**20, 1)
    except OSError:
        pass
    import duckdb

    return {
        "cpus": os.cpu_count(),
        "memory_gib": mem,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def bench_scale(
    scale: float,
    work: Path,
    event_multiplier: int = 1,
    memory_limit: str = "3GB",
    threads: int = 2,
    incremental: bool = True,
    tests: bool = True,
    refresh_exclude: Sequence[str] = (),
    refresh_skip_gx: bool = False,
    verify_refresh: bool = True,
    reuse_build: bool = False,
) -> dict:
    """Generate, build, floor and (optionally) incremental refresh at one scale."""
    from abm_warehouse.raw.generator.cli import generate

    root = project_root()
    bin_dir = Path(sys.executable).parent
    tag = f"scale-{scale:g}x{event_multiplier}"
    base = work / tag
    raw = base / "raw"
    out: dict = {
        "scale": scale,
        "event_multiplier": event_multiplier,
        "code_version": code_version(root),
    }

    started = time.monotonic()
    if not (raw / "web_event.parquet").exists():
        summary = generate(
            raw, scale=scale, as_of=DATA_AS_OF, fmt="parquet", event_multiplier=event_multiplier
        )
        out["generate_s"] = round(time.monotonic() - started, 2)
    else:
        summary = {"rows": generated_rows(raw)}
        out["generate_s"] = None  # reused
    rows = summary.get("rows", {})
    out["raw_rows"] = rows
    out["events"] = rows.get("web_event", 0) + rows.get("email_event", 0) or None

    # --- full build
    db = base / "build" / "warehouse.duckdb"
    target = base / "build" / "target"
    measured = base / "build-result.json"  # the full build's and floor's measures, for reuse
    env = dict(
        os.environ,
        ABM_WAREHOUSE_PATH=str(db),
        ABM_RAW_EXTRACTS_PATH=str(raw),
        ABM_DUCKDB_MEMORY_LIMIT=memory_limit,
        ABM_THREADS=str(threads),
    )
    cmd = [
        str(bin_dir / "dbt"),
        "build",
        "--profiles-dir",
        str(root),
        "--project-dir",
        str(root),
        "--target-path",
        str(target),
        "--log-path",
        str(db.parent / "logs"),
        "--exclude",
        "tag:raw_sample",
    ]
    if reuse_build and measured.exists() and db.exists():
        # the full build and floor of an earlier run of this scale (e.g. to time only the
        # refresh again after changing it): its measures are reported again as they were
        out.update(json.loads(measured.read_text()))
        out["full_build_reused"] = True
    else:
        shutil.rmtree(db.parent, ignore_errors=True)
        db.parent.mkdir(parents=True)
        if not tests:
            cmd += ["--resource-type", "model", "seed", "snapshot"]
        build = run_measured(cmd, env, root, db.parent / "build.log")
        out["full_build_s"] = build["seconds"]
        out["build_returncode"] = build["returncode"]
        out["peak_rss_mb"] = build["peak_rss_mb"]
        run_results = json.loads((target / "run_results.json").read_text())
        manifest = json.loads((target / "manifest.json").read_text())
        out["phases"] = phase_timings(run_results, manifest)
        out["slowest_models"] = slowest_nodes(run_results, 10)
        out["slowest_tests"] = slowest_nodes(run_results, 5, ("test", "unit_test"))
        out["build_failures"] = [
            r["unique_id"] for r in run_results["results"] if r["status"] in ("error", "fail")
        ]
        out["warehouse_mb"] = round(db.stat().st_size / 2**20, 1)

        # --- floor, in its own process (its own RSS); its numbers must equal the marts'
        floor = run_floor_process(raw, DEFAULT_AS_OF, memory_limit, base / "floor")
        out["floor_s"] = floor["seconds"]
        out["floor_peak_rss_mb"] = floor["peak_rss_mb"]
        out["ratio_full_to_floor"] = (
            round(out["full_build_s"] / out["floor_s"], 1) if out["floor_s"] else None
        )
        if build["returncode"] == 0 and floor["rows"] is not None:
            diffs = compare_kpis(floor["rows"], mart_rows(db))
            out["floor_equals_marts"] = not diffs
            out["floor_differences"] = diffs[:20]

        measured.write_text(
            json.dumps({k: v for k, v in out.items() if k not in ("generate_s",)}, indent=1)
        )

    # --- one more day, scheduled refresh on a copy
    if incremental:
        next_raw = base / "raw-next-day"
        shutil.rmtree(next_raw, ignore_errors=True)
        out["incremental_events_added"] = append_one_day(raw, next_raw, DATA_AS_OF)
        live = base / "refresh" / "warehouse.duckdb"
        shutil.rmtree(live.parent, ignore_errors=True)
        live.parent.mkdir(parents=True)
        shutil.copy(db, live)
        # the live file was fully built from `raw`: record that, as a refresh would have, so
        # the refresh plans its build from what changed (the two event files)
        inputs.record_build(live, root, env={**env, "ABM_WAREHOUSE_PATH": str(live)})
        env_next = dict(env, ABM_RAW_EXTRACTS_PATH=str(next_raw))
        env_next.pop("ABM_WAREHOUSE_PATH")
        # the refresh runs the `gx` post-build check when that sub-command is registered;
        # --refresh-skip-gx runs it with `gx` unregistered (as pytests/test_refresh.py does)
        cli = [str(bin_dir / "abm-warehouse")]
        if refresh_skip_gx:
            cli = [sys.executable, "-c", SKIP_GX_MAIN]
            out["incremental_gx_skipped"] = True
        refresh_cmd = [
            *cli,
            "refresh",
            "--warehouse",
            str(live),
            "--keep",
            "0",
            "--skip-freshness",
        ]
        if refresh_exclude:
            # the refresh's own dbt build, with some nodes left out (DBT_TARGET_PATH and
            # DBT_LOG_PATH come from the refresh)
            dbt_cmd = [
                str(bin_dir / "dbt"),
                "build",
                "--project-dir",
                str(root),
                "--profiles-dir",
                str(root),
                "--exclude",
                "tag:raw_sample",
                *refresh_exclude,
            ]
            refresh_cmd += ["--build-command", shlex.join(dbt_cmd)]
            out["incremental_excluded"] = list(refresh_exclude)
        ref = run_measured(refresh_cmd, env_next, root, base / "refresh.log")
        out["incremental_s"] = ref["seconds"]
        out["incremental_returncode"] = ref["returncode"]
        out["incremental_peak_rss_mb"] = ref["peak_rss_mb"]
        out["incremental_share"] = round(ref["seconds"] / out["full_build_s"], 3)
        out["incremental_plan"] = last_refresh_record(live).get("plan")
        # the refreshed warehouse must hold what a from-scratch computation gives: the floor
        # on the next day's files
        if ref["returncode"] == 0:
            next_floor = run_floor_process(
                next_raw, DEFAULT_AS_OF, memory_limit, base / "floor-next-day"
            )
            if next_floor["rows"] is not None:
                diffs = compare_kpis(next_floor["rows"], mart_rows(live))
                out["incremental_equals_floor"] = not diffs
                out["incremental_differences"] = diffs[:20]
            if verify_refresh:
                # every mart, not only the headline KPIs: a from-scratch build of the models
                # on the next day's files (tests left out: they change no row)
                fresh = base / "verify" / "warehouse.duckdb"
                shutil.rmtree(fresh.parent, ignore_errors=True)
                fresh.parent.mkdir(parents=True)
                verify_cmd = [
                    *cmd[: cmd.index("--target-path")],
                    "--target-path",
                    str(fresh.parent / "target"),
                    "--log-path",
                    str(fresh.parent / "logs"),
                    "--exclude",
                    "tag:raw_sample",
                    "--resource-type",
                    "model",
                    "seed",
                    "snapshot",
                ]
                env_fresh = dict(env_next, ABM_WAREHOUSE_PATH=str(fresh))
                full = run_measured(verify_cmd, env_fresh, root, fresh.parent / "build.log")
                out["verify_build_s"] = full["seconds"]
                if full["returncode"] == 0:
                    diffs = compare_schemas(live, fresh)
                    out["refresh_equals_full_build"] = not diffs
                    out["refresh_full_build_differences"] = diffs[:20]
                shutil.rmtree(fresh.parent, ignore_errors=True)
    return out


# The daily scenario: the data's history lands as daily syncs (generate --layout daily); the
# full build takes every sync up to FULL_SYNC (as of the day before), a first refresh one
# more (on a copy of the live file: no previous generation yet), the timed refresh one more
# (on the previous generation, in place: the steady state of nightly refreshes).
DAILY_DELTAS_FROM = DEFAULT_AS_OF - timedelta(days=30)  # a month of daily syncs
DAILY_FULL_SYNC = DEFAULT_AS_OF - timedelta(days=1)  # sync of 06-29 02:00: as of 06-28
DAILY_FIRST_SYNC = DEFAULT_AS_OF  # sync of 06-30 02:00: as of 06-29
DAILY_NEXT_SYNC = DEFAULT_AS_OF + timedelta(days=1)  # sync of 07-01: as of 06-30


def land_syncs(generated: Path, landing: Path, through: date) -> list[str]:
    """Hard-link every sync folder (`<table>/load_date=<day>/`) up to `through` into `landing`
    (a copy where links fail); return the load dates landed."""
    days = set()
    for folder in sorted(generated.glob("*/load_date=*")):
        day = date.fromisoformat(folder.name.split("=", 1)[1])
        if day > through:
            continue
        days.add(day.isoformat())
        target = landing / folder.parent.name / folder.name
        if target.exists():
            continue
        target.mkdir(parents=True)
        for file in folder.iterdir():
            try:
                os.link(file, target / file.name)
            except OSError:
                shutil.copy2(file, target / file.name)
    return sorted(days)


def bench_daily(
    scale: float,
    work: Path,
    event_multiplier: int = 1,
    memory_limit: str = "3GB",
    threads: int = 2,
    verify: bool = True,
    reuse_build: bool = False,
) -> dict:
    """The daily scenario (issue 21): full build as of day D on daily delta folders, then one
    more day of deltas (events and CRM changes) and a scheduled refresh as of D + 1.

    Measures the full build (`dbt build` of everything on an empty database, tests included)
    and the refresh (`abm-warehouse refresh --as-of loaded`: plan, build, checks, publish) in
    the same run; `daily_refresh_share` = refresh wall time / full build wall time. Checks
    that every mart of the refreshed warehouse equals a from-scratch build on the same files
    at D + 1 (`daily_refresh_equals_full`).
    """
    from abm_warehouse.raw.generator.cli import generate

    root = project_root()
    bin_dir = Path(sys.executable).parent
    base = work / f"daily-{scale:g}x{event_multiplier}"
    generated = base / "generated"
    out: dict = {
        "scale": scale,
        "event_multiplier": event_multiplier,
        "code_version": code_version(root),
        "deltas_from": DAILY_DELTAS_FROM.isoformat(),
    }
    started = time.monotonic()
    if not (generated / "web_event").is_dir():
        shutil.rmtree(generated, ignore_errors=True)
        generate(
            generated,
            scale=scale,
            as_of=DEFAULT_AS_OF,
            fmt="parquet",
            event_multiplier=event_multiplier,
            layout="daily",
            deltas_from=DAILY_DELTAS_FROM,
        )
        out["generate_s"] = round(time.monotonic() - started, 2)
    landing = base / "landing"
    live = base / "live" / "warehouse.duckdb"
    build_db = base / "full" / "warehouse.duckdb"
    measured = base / "full-result.json"
    env = dict(
        os.environ,
        ABM_RAW_EXTRACTS_PATH=str(landing),
        ABM_DUCKDB_MEMORY_LIMIT=memory_limit,
        ABM_THREADS=str(threads),
    )
    as_of_full = (DAILY_FULL_SYNC - timedelta(days=1)).isoformat()
    as_of_next = (DAILY_NEXT_SYNC - timedelta(days=1)).isoformat()

    def dbt_build(db: Path, as_of: str, *extra: str, profile_path: Path | None = None) -> dict:
        """`dbt build` into `db`; `profile_path`: build at that path (the profile's) and move
        the file to `db` afterwards."""
        cmd = [
            str(bin_dir / "dbt"),
            "build",
            "--profiles-dir",
            str(root),
            "--project-dir",
            str(root),
            "--target-path",
            str(db.parent / "target"),
            "--log-path",
            str(db.parent / "logs"),
            "--exclude",
            "tag:raw_sample",
            *extra,
        ]
        at = profile_path or db
        run_env = dict(env, ABM_WAREHOUSE_PATH=str(at), ABM_AS_OF_DATE=as_of)
        result = run_measured(cmd, run_env, root, db.parent / "build.log")
        if profile_path is not None and profile_path.exists():
            os.replace(profile_path, db)
        return result

    # --- full build as of D - 1 on the syncs up to D 02:00. It runs at the path the refresh
    # builds at (the profile dbt's partial parsing compares), as a nightly refresh's last run
    # did: its parse state is the refresh's.
    live_build = live.absolute().with_name(live.name + ".build")
    # the extracts as the full build reads them (a reused build read them too: an earlier run
    # landed the later syncs)
    shutil.rmtree(landing, ignore_errors=True)
    landing.mkdir(parents=True)
    full_build_syncs = land_syncs(generated, landing, DAILY_FULL_SYNC)
    if reuse_build and measured.exists() and build_db.exists():
        out.update(json.loads(measured.read_text()))
        out["full_build_reused"] = True
    else:
        out["full_build_syncs"] = full_build_syncs
        shutil.rmtree(build_db.parent, ignore_errors=True)
        build_db.parent.mkdir(parents=True)
        shutil.rmtree(live.parent, ignore_errors=True)
        live.parent.mkdir(parents=True)
        build = dbt_build(build_db, as_of_full, profile_path=live_build)
        out["full_build_s"] = build["seconds"]
        out["full_build_returncode"] = build["returncode"]
        out["full_build_peak_rss_mb"] = build["peak_rss_mb"]
        out["full_build_peak_summed_rss_mb"] = build.get("peak_summed_rss_mb")
        run_results = json.loads((build_db.parent / "target" / "run_results.json").read_text())
        manifest = json.loads((build_db.parent / "target" / "manifest.json").read_text())
        out["full_build_phases"] = phase_timings(run_results, manifest)
        out["full_build_slowest_models"] = slowest_nodes(run_results, 10)
        out["warehouse_mb"] = round(build_db.stat().st_size / 2**20, 1)
        measured.write_text(json.dumps(out, indent=1))
    out["full_build_as_of"] = as_of_full
    if out.get("full_build_returncode"):
        return out  # a failed full build: nothing to refresh

    # --- the live warehouse: the full build, with the record a refresh leaves
    shutil.rmtree(live.parent, ignore_errors=True)
    live.parent.mkdir(parents=True)
    shutil.copy(build_db, live)
    inputs.record_build(live, root, env={**env, "ABM_WAREHOUSE_PATH": str(live)})
    # the refresh's dbt state (target path, partial parse) starts from the full build's
    state = live.parent / ".refresh" / live.stem
    state.mkdir(parents=True)
    shutil.copytree(build_db.parent / "target", state / "target")

    def scheduled_refresh(sync: date, log_name: str) -> tuple[dict, dict]:
        landed = land_syncs(generated, landing, sync)[-1]
        cmd = [
            str(bin_dir / "abm-warehouse"),
            "refresh",
            "--warehouse",
            str(live),
            "--as-of",
            "loaded",
            "--keep",
            "1",
            "--skip-freshness",
        ]
        result = run_measured(cmd, env, root, base / log_name)
        result["sync"] = landed
        return result, last_refresh_record(live)

    # --- day D: the first refresh copies the live file (no previous generation yet)
    first, first_record = scheduled_refresh(DAILY_FIRST_SYNC, "refresh-first.log")
    out["first_refresh_s"] = first["seconds"]
    out["first_refresh_returncode"] = first["returncode"]
    out["first_refresh_peak_rss_mb"] = first["peak_rss_mb"]
    out["first_refresh_peak_summed_rss_mb"] = first.get("peak_summed_rss_mb")
    out["first_refresh_base"] = first_record.get("build_base")
    out["first_refresh_steps"] = first_record.get("steps")
    out["first_refresh_share"] = (
        round(first["seconds"] / out["full_build_s"], 3) if out.get("full_build_s") else None
    )
    if first["returncode"] != 0:
        return out

    # --- day D + 1: the timed refresh builds on the previous generation (two days behind the
    # new data, one behind the live file), as every nightly refresh after the first does
    ref, record = scheduled_refresh(DAILY_NEXT_SYNC, "refresh.log")
    out["daily_sync"] = ref["sync"]
    out["daily_refresh_s"] = ref["seconds"]
    out["daily_refresh_returncode"] = ref["returncode"]
    out["daily_refresh_peak_rss_mb"] = ref["peak_rss_mb"]
    out["daily_refresh_peak_summed_rss_mb"] = ref.get("peak_summed_rss_mb")
    out["daily_refresh_as_of"] = record.get("as_of_date")
    out["daily_refresh_base"] = record.get("build_base")
    out["daily_refresh_plan"] = record.get("plan")
    out["daily_refresh_share"] = (
        round(ref["seconds"] / out["full_build_s"], 3) if out.get("full_build_s") else None
    )
    refresh_state = live.parent / ".refresh" / live.stem / "target"
    if (refresh_state / "run_results.json").exists() and (refresh_state / "manifest.json").exists():
        rr = json.loads((refresh_state / "run_results.json").read_text())
        mf = json.loads((refresh_state / "manifest.json").read_text())
        out["daily_refresh_phases"] = phase_timings(rr, mf)
        out["daily_refresh_slowest_models"] = slowest_nodes(rr, 10)
        out["daily_refresh_slowest_tests"] = slowest_nodes(rr, 5, ("test", "unit_test"))
        out["daily_refresh_nodes"] = len(rr.get("results", []))
    out["daily_refresh_steps"] = record.get("steps")

    # --- every mart equals a from-scratch build on the same files at D + 1
    if verify and ref["returncode"] == 0:
        fresh = base / "verify" / "warehouse.duckdb"
        shutil.rmtree(fresh.parent, ignore_errors=True)
        fresh.parent.mkdir(parents=True)
        full = dbt_build(fresh, as_of_next, "--resource-type", "model", "seed", "snapshot")
        out["verify_build_s"] = full["seconds"]
        if full["returncode"] == 0:
            diffs = compare_schemas(live, fresh)
            out["daily_refresh_equals_full"] = not diffs
            out["daily_refresh_differences"] = diffs[:20]
        shutil.rmtree(fresh.parent, ignore_errors=True)
    return out


def last_refresh_record(live: Path) -> dict:
    log = live.parent / "refresh.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return json.loads(lines[-1]) if lines else {}


# Bookkeeping columns: when a run wrote a row, not what the row says (never compared).
BOOKKEEPING_COLUMNS = ("dbt_refreshed_at",)


def compare_schemas(
    a: Path,
    b: Path,
    schema: str = "marts",
    rel_tol: float = 1e-9,
    ignore: tuple[str, ...] = BOOKKEEPING_COLUMNS,
) -> list[str]:
    """Relations of `schema` that differ between two warehouses (`ignore`: columns left out).

    Rows are compared as multisets on their exact (non floating-point) columns; rows with the
    same exact values are then paired (in order of their floating-point values) and each
    floating-point value must agree within `rel_tol` (relative, absolute below 1): a parallel
    sum's last bits depend on the order rows arrive in, so two builds of the same data differ
    there.
    """
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"attach '{a}' as a (read_only)")
        con.execute(f"attach '{b}' as b (read_only)")

        def relations(db: str) -> set[str]:
            return {
                r[0]
                for r in con.execute(
                    "select table_name from information_schema.tables "
                    "where table_catalog = ? and table_schema = ?",
                    [db, schema],
                ).fetchall()
            }

        left, right = relations("a"), relations("b")
        diffs = [f"{t}: only in {'a' if t in left else 'b'}" for t in sorted(left ^ right)]
        for table in sorted(left & right):
            diff = _compare_relation(con, f'{schema}."{table}"', rel_tol, ignore)
            if diff:
                diffs.append(f"{table}: {diff}")
        return diffs
    finally:
        con.close()


def _compare_relation(
    con, relation: str, rel_tol: float, ignore: tuple[str, ...] = ()
) -> str | None:
    schema, table = relation.split(".", 1)
    columns = [
        (c, t)
        for c, t in con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = 'a' and table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [schema, table.strip('"')],
        ).fetchall()
        if c not in ignore
    ]
    exact = [f'"{c}"' for c, t in columns if t not in ("DOUBLE", "FLOAT")]
    floats = [f'"{c}"' for c, t in columns if t in ("DOUBLE", "FLOAT")]
    keys = ", ".join(exact) or "1"

    def minus(x: str, y: str) -> int:
        return con.execute(
            f"select count(*) from (select {keys} from {x}.{relation} "
            f"except all select {keys} from {y}.{relation})"
        ).fetchone()[0]

    only_a, only_b = minus("a", "b"), minus("b", "a")
    if only_a or only_b:
        return f"{only_a} row(s) only in a, {only_b} only in b"
    if not floats:
        return None
    order = ", ".join(floats)

    def numbered(db: str) -> str:
        return (
            f"select *, row_number() over (partition by {keys} order by {order}) as _pair "
            f"from {db}.{relation}"
        )

    same_key = " and ".join(
        [f"x.{c} is not distinct from y.{c}" for c in exact] + ["x._pair = y._pair"]
    )
    far = " or ".join(
        f"(x.{f} is null) <> (y.{f} is null) or abs(x.{f} - y.{f}) > "
        f"{rel_tol} * greatest(1, abs(x.{f}), abs(y.{f}))"
        for f in floats
    )
    (apart,) = con.execute(
        f"select count(*) from ({numbered('a')}) x join ({numbered('b')}) y "
        f"on {same_key} where {far}"
    ).fetchone()
    return f"{apart} row(s) with values apart by more than {rel_tol:g}" if apart else None


# ---------------------------------------------------------------------------- results


# The targets on a 2-core, 24 GiB machine: (results key, bound, what it means).
TARGETS = (
    ("ratio_full_to_floor", 2.0, "full build ≤ 2× the floor"),
    ("peak_rss_mb", 4096.0, "peak RSS ≤ 4 GiB with DuckDB's memory limit set"),
    ("incremental_share", 0.10, "one-day incremental refresh ≤ 10% of the full build"),
    ("scaling_4x_ratio", 4.5, "4× data ≤ 4.5× time"),
    (
        "daily_refresh_share",
        0.10,
        "daily refresh (one more day of deltas, as-of + 1) ≤ 10% of the full build",
    ),
    ("daily_peak_rss_mb", 4096.0, "daily scenario: peak RSS ≤ 4 GiB (full build and refresh)"),
)


def verdicts(results: dict) -> list[dict]:
    """Each target with the measured value and met / missed / not measured."""
    out = []
    for key, bound, text in TARGETS:
        value = results.get(key)
        status = "not measured" if value is None else ("met" if value <= bound else "missed")
        out.append({"key": key, "target": text, "bound": bound, "value": value, "status": status})
    return out


def summarize(runs: list[dict], daily: list[dict] | None = None) -> dict:
    """results.json: the headline keys for the largest scale, every scale under ``runs``;
    the daily scenario's under ``daily`` (its headline keys: the largest scale's)."""
    runs = sorted(runs, key=lambda r: (r["scale"], r["event_multiplier"]))
    top = runs[-1] if runs else {}
    scaling_4x = None
    by_size = {round(r["scale"] * r["event_multiplier"], 6): r for r in runs}
    for size, r in by_size.items():
        big = by_size.get(round(size * 4, 6))
        if big and r.get("full_build_s"):
            scaling_4x = round(big["full_build_s"] / r["full_build_s"], 2)
    results = {
        "ratio_full_to_floor": top.get("ratio_full_to_floor"),
        "full_build_s": top.get("full_build_s"),
        "floor_s": top.get("floor_s"),
        "peak_rss_mb": top.get("peak_rss_mb"),
        "incremental_share": top.get("incremental_share"),
        "scaling_4x_ratio": scaling_4x,
        "scale": top.get("scale"),
        "event_multiplier": top.get("event_multiplier"),
        "machine": machine(),
    }
    daily = sorted(daily or [], key=lambda r: (r["scale"], r["event_multiplier"]))
    top_daily = daily[-1] if daily else {}
    peaks = [
        v
        for v in (
            top_daily.get("full_build_peak_rss_mb"),
            top_daily.get("first_refresh_peak_rss_mb"),
            top_daily.get("daily_refresh_peak_rss_mb"),
        )
        if v is not None
    ]
    results.update(
        daily_refresh_share=top_daily.get("daily_refresh_share"),
        daily_refresh_equals_full=top_daily.get("daily_refresh_equals_full"),
        daily_refresh_s=top_daily.get("daily_refresh_s"),
        daily_full_build_s=top_daily.get("full_build_s"),
        daily_peak_rss_mb=max(peaks) if peaks else None,
        daily_scale=top_daily.get("scale"),
        daily_event_multiplier=top_daily.get("event_multiplier"),
    )
    results["targets"] = verdicts(results)
    results["runs"] = runs
    results["daily"] = daily
    return results


def merge_runs(new: list[dict], earlier: list[dict]) -> list[dict]:
    """The new runs plus the earlier runs of other scales (e.g. 1x, 2x, 4x beside 40x14)."""
    done = {(r["scale"], r["event_multiplier"]) for r in new}
    return new + [r for r in earlier if (r["scale"], r["event_multiplier"]) not in done]


def _bar(value: float, top: float, width: int = 40) -> str:
    n = 0 if not top else int(round(width * value / top))
    return "█" * n or "▏"


def report_markdown(results: dict, label: str = "") -> str:
    """A short markdown report with a text bar chart (matplotlib is not pinned)."""
    lines = [f"# Benchmark report{': ' + label if label else ''}", ""]
    m = results["machine"]
    lines += [
        f"Machine: {m['cpus']} CPUs, {m['memory_gib']} GiB, {m['platform']}, DuckDB {m['duckdb']}.",
        "",
        "| scale | code | events | full build s | floor s | full/floor | peak RSS MB | "
        "refresh +1 day s | share |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["runs"]:
        lines.append(
            f"| {r['scale']:g}×{r['event_multiplier']} | {r.get('code_version') or '-'} | "
            f"{r.get('events') or '-'} | "
            f"{r['full_build_s']} | {r['floor_s']} | {r['ratio_full_to_floor']} | "
            f"{r['peak_rss_mb']} | {r.get('incremental_s', '-')}"
            f"{' (failed)' if r.get('incremental_returncode') else ''}"
            f"{' (no gx)' if r.get('incremental_gx_skipped') else ''} | "
            f"{r.get('incremental_share', '-')}{_plan_brief(r)} |"
        )
    lines += [
        "",
        f"Scaling (time at 4× data / time at 1×): {results['scaling_4x_ratio']}",
        "",
        "Targets (the headline values are the largest scale's; why a target is missed and what "
        "would close it: benchmarks/README.md):",
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
    ]
    lines += [
        f"| {v['target']} | {'-' if v['value'] is None else v['value']} | {v['status']} |"
        for v in results.get("targets") or verdicts(results)
    ]
    lines += [
        "",
        "Checks: the floor's numbers equal the kpi_ marts' (floor = marts); the refreshed "
        "warehouse's equal the floor on the next day's files (refresh = floor) and its marts, "
        "row for row, a from-scratch build on those files (refresh = full build):",
        "",
    ]
    lines += [
        f"- scale {r['scale']:g}×{r['event_multiplier']}: floor = marts "
        f"{r.get('floor_equals_marts', '-')}, refresh = floor "
        f"{r.get('incremental_equals_floor', '-')}, refresh = full build "
        f"{r.get('refresh_equals_full_build', '-')}"
        + (
            f" ({'; '.join(r['refresh_full_build_differences'])})"
            if r.get("refresh_full_build_differences")
            else ""
        )
        for r in results["runs"]
    ]
    lines.append("")
    if results.get("daily"):
        lines += [
            "## Daily scenario",
            "",
            "Daily delta folders (`generate --layout daily`); a full build as of D "
            "(`dbt build`, every model and test); then one more day of deltas (events and CRM "
            "changes) lands and `abm-warehouse refresh --as-of loaded` runs (as of D + 1). "
            "share = refresh wall time / full build wall time, same run; = full: every mart "
            "equals a from-scratch build on the same files at D + 1. The full build is as of "
            "D - 1; a first refresh (as of D) builds on a copy of the live file, the timed one "
            "(as of D + 1) on the previous generation in place, as nightly refreshes do "
            "(`refresh base`: what it built on, from its record). Peak RSS: the resident "
            "memory of the process tree, each page once (the sum of its processes' PSS; "
            "their summed RSS counts a page forked workers share once per worker, and is "
            "recorded beside it as `*_peak_summed_rss_mb`).",
            "",
            "| scale | code | full build s | first refresh s (copy) | refresh s | share "
            "| refresh base | peak RSS MB (full / refresh) | = full | refresh steps s |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in results["daily"]:
            steps = ", ".join(f"{k} {v}" for k, v in (r.get("daily_refresh_steps") or {}).items())
            lines.append(
                f"| {r['scale']:g}×{r['event_multiplier']} | {r.get('code_version') or '-'} | "
                f"{r.get('full_build_s')} | {r.get('first_refresh_s', '-')} | "
                f"{r.get('daily_refresh_s')}"
                f"{' (failed)' if r.get('daily_refresh_returncode') else ''} | "
                f"{r.get('daily_refresh_share')} | {r.get('daily_refresh_base') or '-'} | "
                f"{r.get('full_build_peak_rss_mb')} / "
                f"{r.get('daily_refresh_peak_rss_mb')} | {r.get('daily_refresh_equals_full', '-')}"
                f" | {steps} |"
            )
        for r in results["daily"]:
            lines += [
                "",
                f"Slowest models of the refresh ({r['scale']:g}×{r['event_multiplier']}, "
                f"{r.get('daily_refresh_nodes', '-')} nodes):",
                "",
            ]
            lines += [
                f"- `{x['node']}` {x['seconds']} s"
                for x in r.get("daily_refresh_slowest_models", [])
            ]
            if r.get("daily_refresh_differences"):
                lines += ["", "Differences: " + "; ".join(r["daily_refresh_differences"])]
        lines.append("")
    for r in results["runs"]:
        lines += [f"## Scale {r['scale']:g}×{r['event_multiplier']}: phases", "", "```"]
        phases = r["phases"]
        top = max([p["node_seconds"] for p in phases.values()] + [r["floor_s"] or 0])
        for name, p in phases.items():
            lines.append(f"{name:<13}{p['node_seconds']:>9.1f}s {_bar(p['node_seconds'], top)}")
        lines.append(f"{'(floor)':<13}{r['floor_s'] or 0:>9.1f}s {_bar(r['floor_s'] or 0, top)}")
        lines += [
            "```",
            "",
            "Node seconds summed per phase (dbt runs nodes side by side, so the sum exceeds "
            "the wall time). Slowest models:",
            "",
        ]
        lines += [f"- `{s['node']}` {s['seconds']} s" for s in r["slowest_models"]]
        if r.get("build_failures"):
            lines += ["", f"Build failures: {', '.join(r['build_failures'])}"]
        lines.append("")
    return "\n".join(lines)


def _plan_brief(run: dict) -> str:
    plan = run.get("incremental_plan")
    if not plan:
        return ""
    changed = f": {', '.join(plan['changed'])}" if plan.get("changed") else ""
    return f" ({plan['kind']}{changed})"


def write_results(results: dict, out: Path, label: str = "") -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (out / "report.md").write_text(report_markdown(results, label), encoding="utf-8")


# ---------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 4.0])
    parser.add_argument("--event-multiplier", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("target/bench"), help="data + builds")
    parser.add_argument("--out", type=Path, default=Path("benchmarks"))
    parser.add_argument("--label", default="", help="a title for the report (e.g. smoke run)")
    parser.add_argument(
        "--memory-limit",
        default="3GB",
        help="DuckDB memory_limit (default %(default)s: with dbt and Python beside DuckDB, the "
        "build's processes stay under 4 GiB)",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-incremental", action="store_true")
    parser.add_argument("--no-tests", action="store_true", help="models only (no dbt tests)")
    parser.add_argument(
        "--refresh-exclude",
        nargs="+",
        default=[],
        metavar="NODE",
        help="leave these nodes out of the one-more-day refresh's dbt build (known failures)",
    )
    parser.add_argument(
        "--refresh-skip-gx",
        action="store_true",
        help="run the one-more-day refresh without its Great Expectations check",
    )
    parser.add_argument(
        "--no-verify-refresh",
        action="store_true",
        help="skip the check that the refreshed warehouse's marts equal a from-scratch build "
        "on the next day's files (one more models-only build per scale)",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the runs of other scales already in <out>/results.json",
    )
    parser.add_argument(
        "--reuse-build",
        action="store_true",
        help="reuse a scale's earlier full build and floor (their measures are reported again) "
        "and run only the one-more-day refresh",
    )
    parser.add_argument(
        "--daily",
        action="store_true",
        help="the daily scenario instead: daily delta folders, a full build as of D, one more "
        "day of deltas and a scheduled refresh as of D + 1 (daily_refresh_share)",
    )
    parser.add_argument("--floor-only", type=Path, metavar="RAW_DIR", help=argparse.SUPPRESS)
    parser.add_argument("--floor-json", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--as-of", type=date.fromisoformat, default=DEFAULT_AS_OF, help=argparse.SUPPRESS
    )


def run(args: argparse.Namespace) -> int:
    # SIGTERM unwinds like Ctrl-C, so a running build is stopped with the benchmark
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.floor_only:
        rows, seconds = run_floor(args.floor_only, args.as_of, args.memory_limit)
        if args.floor_json:
            rows_json = [
                (k, m.isoformat(), d, None if v is None else float(v)) for k, m, d, v in rows
            ]
            args.floor_json.write_text(json.dumps({"seconds": seconds, "rows": rows_json}))
        print(json.dumps({"seconds": seconds, "rows": len(rows)}))
        return 0
    earlier_results = (
        json.loads((args.out / "results.json").read_text())
        if args.merge and (args.out / "results.json").exists()
        else {}
    )
    if args.daily:
        daily = []
        for scale in args.scales:
            r = bench_daily(
                scale,
                args.work.absolute(),
                args.event_multiplier,
                args.memory_limit,
                args.threads,
                not args.no_verify_refresh,
                args.reuse_build,
            )
            print(json.dumps(r, indent=2, default=str))
            daily.append(r)
        if earlier_results:
            done = {(r["scale"], r["event_multiplier"]) for r in daily}
            daily += [
                r
                for r in earlier_results.get("daily", [])
                if (r["scale"], r["event_multiplier"]) not in done
            ]
        results = summarize(earlier_results.get("runs", []), daily)
        write_results(results, args.out, args.label)
        print(f"wrote {args.out / 'results.json'} and {args.out / 'report.md'}")
        return 0 if all(r.get("daily_refresh_returncode") == 0 for r in daily) else 1
    runs = []
    for scale in args.scales:
        r = bench_scale(
            scale,
            args.work.absolute(),
            args.event_multiplier,
            args.memory_limit,
            args.threads,
            not args.no_incremental,
            not args.no_tests,
            args.refresh_exclude,
            args.refresh_skip_gx,
            not args.no_verify_refresh,
            args.reuse_build,
        )
        print(json.dumps({k: v for k, v in r.items() if k not in ("raw_rows",)}, indent=2))
        runs.append(r)
    if earlier_results:
        runs = merge_runs(runs, earlier_results.get("runs", []))
    results = summarize(runs, earlier_results.get("daily"))
    write_results(results, args.out, args.label)
    print(f"wrote {args.out / 'results.json'} and {args.out / 'report.md'}")
    return 0 if all(r["build_returncode"] == 0 for r in runs) else 1


if __name__ == "__main__":
    p = argparse.ArgumentParser(prog="abm_warehouse.tooling.bench")
    add_arguments(p)
    sys.exit(run(p.parse_args()))
