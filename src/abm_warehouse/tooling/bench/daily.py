"""The daily scenario: the history lands as daily syncs, then timed incremental refreshes."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from abm_warehouse.ops import inputs
from abm_warehouse.tooling.bench.common import DEFAULT_AS_OF, project_root
from abm_warehouse.tooling.bench.compare import compare_schemas, last_refresh_record
from abm_warehouse.tooling.bench.memory import run_measured
from abm_warehouse.tooling.bench.phases import phase_timings, slowest_nodes
from abm_warehouse.tooling.bench.scale import code_version

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
