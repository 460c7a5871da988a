"""The `abm-warehouse refresh` command line."""

from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path

from abm_warehouse.ops import as_of, publish_guard
from abm_warehouse.ops.refresh.config import Options, default_project_dir
from abm_warehouse.ops.refresh.flow import _raise_terminated, refresh
from abm_warehouse.ops.refresh.live import rollback, status
from abm_warehouse.ops.refresh.lock import log
from abm_warehouse.ops.refresh.paths import DEFAULT_KEEP, DEFAULT_WAREHOUSE


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
