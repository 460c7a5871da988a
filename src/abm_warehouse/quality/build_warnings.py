"""Fail when a dbt build ended with warnings: a clean build of the committed sample has none.

``abm-warehouse check-warnings [--target DIR] [--log target/test/logs/dbt.log]`` reads the
``run_results.json`` of the last dbt invocation written to ``--target`` (default
``$DBT_TARGET_PATH``, else ``target``, where dbt writes it) and lists every node
whose status is ``warn`` (a warn-severity test above its documented threshold). With ``--log``
(a dbt log written with ``--log-format-file json``) it also lists dbt's other warnings of that
invocation: deprecations, configuration and YAML warnings, ``exceptions.warn`` from a macro.
The exit code is 1 when there is any, so ``make dbt-build-test`` fails on a new warning instead
of printing it among standing ones (docs/data_quality.md, "Expected flags and orphans").

It reads two files and runs no build: cheap enough to follow every test build.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# Warn-level log events that repeat a node's result (run_results.json lists those).
RESULT_EVENTS = frozenset({"LogTestResult", "RunResultWarning", "RunResultWarningMessage"})
# dbt's console colours and "[WARNING]: " tag, which the JSON log's messages keep
_COLOURS = re.compile(r"\x1b\[[0-9;]*m")
_TAG = re.compile(r"^\[WARNING\]:\s*")


def warn_results(run_results: dict[str, Any]) -> list[dict[str, Any]]:
    """The results of a run_results.json whose status is ``warn``, in run order."""
    return [
        {
            "unique_id": r.get("unique_id"),
            "failures": r.get("failures"),
            "message": r.get("message") or "",
        }
        for r in run_results.get("results", [])
        if r.get("status") == "warn"
    ]


def log_warnings(lines: Iterable[str], invocation_id: str | None = None) -> list[dict[str, str]]:
    """Warn-level events of a JSON dbt log that are not node results (those are in
    run_results.json), of ``invocation_id`` when given. Lines that are not JSON are skipped."""
    found = []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        info = event.get("info") if isinstance(event, dict) else None
        if not isinstance(info, dict) or info.get("level") != "warn":
            continue
        if info.get("name") in RESULT_EVENTS:
            continue
        if invocation_id and info.get("invocation_id") not in (None, invocation_id):
            continue
        msg = _TAG.sub("", _COLOURS.sub("", str(info.get("msg", ""))).strip())
        found.append({"name": str(info.get("name")), "msg": msg})
    return found


def check(target: Path, log: Path | None = None) -> list[str]:
    """One line per warning of the last build written to ``target`` (and ``log``)."""
    path = target / "run_results.json"
    if not path.is_file():
        return [f"{path} not found: run the dbt build first"]
    run_results = json.loads(path.read_text())
    problems = [
        f"warn {r['unique_id']}: {r['message'] or str(r['failures']) + ' failures'}"
        for r in warn_results(run_results)
    ]
    if log is not None:
        if not log.is_file():
            return [*problems, f"{log} not found: the build's JSON log (--log-format-file json)"]
        invocation_id = (run_results.get("metadata") or {}).get("invocation_id")
        with log.open(encoding="utf-8", errors="replace") as lines:
            for w in log_warnings(lines, invocation_id):
                problems.append(f"dbt warning {w['name']}: {w['msg']}")
    return problems


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        type=Path,
        default=Path(os.environ.get("DBT_TARGET_PATH") or "target"),
        help="dbt target path of the build (default: $DBT_TARGET_PATH, else target)",
    )
    parser.add_argument(
        "--log", type=Path, default=None, help="the build's dbt log, written as JSON lines"
    )


def run(args: argparse.Namespace) -> int:
    problems = check(args.target, args.log)
    if not problems:
        print(f"check-warnings: no warnings in {args.target / 'run_results.json'}")
        return 0
    print(
        f"check-warnings: the build ended with {len(problems)} warning(s); a clean build of the "
        "committed sample has none. Fix the cause, or, if the data is expected to carry it, give "
        "the test a documented threshold (docs/data_quality.md):",
        file=sys.stderr,
    )
    for p in problems:
        print(f"  {p}", file=sys.stderr)
    return 1
