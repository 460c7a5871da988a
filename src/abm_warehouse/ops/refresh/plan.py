"""What a refresh builds (the as-of date, the plan from what changed) and what dbt reported."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from abm_warehouse.ops import as_of, inputs
from abm_warehouse.ops.refresh.config import Options
from abm_warehouse.ops.refresh.paths import Paths
from abm_warehouse.raw import load


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
    if plan.kind != inputs.CHANGED:
        return current, plan
    # the code is the last build's: its manifest says which models read the as-of date and
    # which data tests an enforced constraint makes redundant
    manifest = _last_manifest(manifest_path)
    if plan.as_of_moved:
        if manifest is None:
            return current, inputs.Plan(
                inputs.FULL,
                f"{plan.reason}; no manifest of the last build at {manifest_path} to find "
                "the models that read it",
            )
        plan = dataclasses.replace(plan, as_of_nodes=tuple(inputs.as_of_dependent_nodes(manifest)))
    if manifest is not None:
        excluded = constraint_checked_tests(manifest, table_constraints(build))
        plan = dataclasses.replace(plan, excluded_tests=tuple(excluded))
    return current, plan


def constraint_checked_tests(
    manifest: dict[str, Any], constraints: dict[tuple[str, str], dict[str, Any]]
) -> list[str]:
    """Names of the data tests whose check a constraint of their model's table makes on every
    row written to it: `not_null` on a NOT NULL column, `unique` on a one-column PRIMARY KEY,
    `unique_combination_of_columns` on the columns of a PRIMARY KEY. DuckDB refuses a row that
    breaks them (the insert fails, the build fails, nothing is published), so a planned refresh
    leaves them out; a full build runs them.

    `constraints`: the tables' constraints as stored in the file the refresh builds on
    (table_constraints), not as the YAML says: a table created before its contract was
    enforced has none, and its tests run.
    """
    nodes = manifest.get("nodes", {})
    out = []
    for node in nodes.values():
        meta = node.get("test_metadata") or {}
        model = nodes.get(node.get("attached_node") or "")
        if node.get("resource_type") != "test" or model is None:
            continue
        table = constraints.get(
            (str(model.get("schema")).lower(), str(model.get("alias") or model["name"]).lower())
        )
        if not table:
            continue
        kwargs = dict(meta.get("kwargs") or {})
        kwargs.update(kwargs.pop("arguments", None) or {})
        column = (node.get("column_name") or kwargs.get("column_name") or "").lower()
        keys = table["primary_keys"]
        kind = meta.get("name")
        if (
            (kind == "not_null" and column in table["not_null"])
            or (kind == "unique" and [column] in keys)
            or (
                kind == "unique_combination_of_columns"
                and sorted(str(c).lower() for c in kwargs.get("combination_of_columns") or [])
                in keys
            )
        ):  # under a `where` too: the constraint holds on every row
            out.append(node["name"])
    return sorted(out)


def table_constraints(build: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """{(schema, table): {"not_null": columns, "primary_keys": [sorted columns]}} of a file."""
    if not build.exists():
        return {}
    import duckdb

    con = duckdb.connect(str(build), read_only=True)
    try:
        rows = con.execute(
            "select schema_name, table_name, constraint_type, constraint_column_names "
            "from duckdb_constraints() "
            "where constraint_type in ('NOT NULL', 'PRIMARY KEY') "
            "and database_name = current_database()"
        ).fetchall()
    finally:
        con.close()
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for schema, table, kind, columns in rows:
        entry = out.setdefault(
            (schema.lower(), table.lower()), {"not_null": set(), "primary_keys": []}
        )
        names = sorted(c.lower() for c in columns)
        if kind == "NOT NULL":
            entry["not_null"].update(names)
        else:
            entry["primary_keys"].append(names)
            entry["not_null"].update(names)  # a primary key column is NOT NULL
    return out


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


def _last_manifest(manifest_path: Path) -> dict[str, Any] | None:
    """The last build's manifest (None: none, or unreadable)."""
    if not manifest_path.is_file():
        return None
    try:
        return json.loads(manifest_path.read_text())
    except ValueError:
        return None


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
