"""The `abm-warehouse bench` command line."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from datetime import date
from pathlib import Path

from abm_warehouse.tooling.bench.common import DEFAULT_AS_OF
from abm_warehouse.tooling.bench.daily import bench_daily
from abm_warehouse.tooling.bench.floor import run_floor
from abm_warehouse.tooling.bench.results import merge_runs, summarize, write_results
from abm_warehouse.tooling.bench.scale import bench_scale


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
