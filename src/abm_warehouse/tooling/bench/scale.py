"""One scale: generate, build, time the phases and the floor, refresh one more day."""

from __future__ import annotations

import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from abm_warehouse.ops import inputs
from abm_warehouse.tooling.bench.common import DATA_AS_OF, DEFAULT_AS_OF, SKIP_GX_MAIN, project_root
from abm_warehouse.tooling.bench.compare import compare_schemas, last_refresh_record
from abm_warehouse.tooling.bench.floor import compare_kpis, generated_rows, mart_rows
from abm_warehouse.tooling.bench.memory import run_measured
from abm_warehouse.tooling.bench.one_more_day import append_one_day
from abm_warehouse.tooling.bench.phases import phase_timings, slowest_nodes


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
