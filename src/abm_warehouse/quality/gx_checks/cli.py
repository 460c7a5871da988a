"""The `abm-warehouse gx` command line."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from abm_warehouse.quality.gx_checks.build import build_suites
from abm_warehouse.quality.gx_checks.manifest import load_manifest, marts_from_manifest
from abm_warehouse.quality.gx_checks.runner import default_jobs, validate
from abm_warehouse.quality.gx_checks.suites import (
    DEFAULT_DOCS,
    DEFAULT_MAX_ROWS,
    MART_SCHEMA,
    REFERENCE_SCHEMA,
    needed_columns,
)
from abm_warehouse.quality.gx_checks.warehouse import (
    _numeric_columns,
    _too_large,
    default_target_path,
    find_manifest,
    read_frames,
    summary_lines,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--warehouse", type=Path, required=True, help="DuckDB file to check")
    parser.add_argument(
        "--docs",
        type=Path,
        default=None,
        help=f"Data Docs folder (default: $DBT_TARGET_PATH or target, then /{DEFAULT_DOCS})",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not build Data Docs")
    parser.add_argument(
        "--docs-on-failure",
        action="store_true",
        help="build Data Docs only when a suite fails, of the failing suites (what a scheduled "
        "refresh passes: rendering every suite's pages costs seconds each night)",
    )
    parser.add_argument(
        "--without-dbt-tested",
        action="store_true",
        help="leave out the expectations that repeat a mart's dbt tests (grain, unique, "
        "not_null, accepted_values, is_rate): what a refresh passes, whose dbt build has just "
        "run those tests on the same tables; the ranges, rules and cross-mart suites stay",
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        default=None,
        help="dbt manifest listing the marts (default: <target path>/manifest.json)",
    )
    parser.add_argument(
        "--require-all",
        action="store_true",
        help="fail when a mart of the manifest is not in the warehouse (default: skip it)",
    )
    parser.add_argument(
        "--max-rows",
        type=int,
        default=DEFAULT_MAX_ROWS,
        help="leave out (and name) marts with more rows than this: the suites run in pandas, "
        "in memory (0: no limit; default %(default)s)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="worker processes validating the suites (default: the CPUs available, at most 4; "
        "1: all in this process)",
    )
    parser.add_argument(
        "--marts",
        nargs="*",
        default=None,
        metavar="MODEL",
        help="check only these models' suites (others named are ignored; a refresh passes the "
        "models it rebuilt); cross-mart suites run when all their marts are named",
    )


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    if not args.warehouse.is_file():
        print(f"gx: {args.warehouse} does not exist", file=sys.stderr)
        return 2
    target = default_target_path()
    manifest = find_manifest(args.manifest, target)
    if not manifest.is_file():
        # dbt build writes it; a stubbed build (--build-command) may not: nothing is known
        print(f"gx: WARNING no dbt manifest at {manifest}: the marts are unknown, nothing checked")
        return 2 if args.require_all or args.manifest else 0
    marts = marts_from_manifest(load_manifest(manifest))
    if args.marts is not None:
        marts = {n: s for n, s in marts.items() if n in set(args.marts)}
        if not marts:
            print("gx: none of the models named by --marts is a mart: nothing to check")
            return 0
    import duckdb

    con = duckdb.connect(str(args.warehouse), read_only=True)
    try:
        built = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [MART_SCHEMA],
            ).fetchall()
        }
    finally:
        con.close()
    skipped = sorted(set(marts) - built)
    present = {n: s for n, s in marts.items() if n in built}
    too_large = _too_large(args.warehouse, present, args.max_rows)
    for name, rows in too_large.items():
        print(
            f"gx: {name} not checked: {rows:,} rows > --max-rows {args.max_rows:,} (the suites "
            "run in pandas, in memory; its dbt tests check its grain, keys and values in SQL)"
        )
        del present[name]
    if not present:
        # e.g. a stubbed or partial build: nothing to validate, and no reason to load GX
        print(f"gx: no mart of the dbt manifest in {args.warehouse}: nothing to check")
        return 2 if args.require_all else 0
    # the marts' columns and types first: the suites depend on them; then only the columns
    # the suites read (GX copies every frame it validates)
    shapes = read_frames(args.warehouse, present, MART_SCHEMA, limit=0)
    reference = read_frames(
        args.warehouse, ("channel_rules", "channel_cost_mapping"), REFERENCE_SCHEMA
    )
    numeric = {n: _numeric_columns(f) for n, f in shapes.items()}
    suites = build_suites(present, numeric, reference, dbt_tested=not args.without_dbt_tested)
    needed = needed_columns(suites, {n: list(f.columns) for n, f in shapes.items()})
    frames = read_frames(args.warehouse, present, MART_SCHEMA, columns=needed)
    docs = None if args.no_docs else (args.docs or target / DEFAULT_DOCS)
    jobs = args.jobs or default_jobs()
    if args.docs_on_failure and docs is not None:
        results = validate(suites, frames, None, jobs=jobs)
        failed_names = {r.suite for r in results if not r.success}
        if failed_names:
            # the failing suites again, with their pages (the others passed: nothing to read)
            failing = [s for s in suites if s.name in failed_names]
            again = {r.suite: r for r in validate(failing, frames, docs, jobs=1)}
            results = [again.get(r.suite, r) for r in results]
        else:
            docs = None
            print("gx: every suite passed: no Data Docs built (--docs-on-failure)")
    else:
        results = validate(suites, frames, docs, jobs=jobs)
    for line in summary_lines(results, skipped):
        print(line)
    if docs is not None:
        (docs / "summary.json").write_text(
            json.dumps([r.__dict__ for r in results], indent=1, default=str)
        )
        print(f"gx: Data Docs in {docs / 'index.html'}")
    print(f"gx: {time.monotonic() - started:.1f}s")
    failed = any(not r.success for r in results) or (args.require_all and skipped)
    return 1 if failed else 0
