"""Dagster code location of the ABM warehouse (optional extra; docs/operations.md).

    dagster dev -f orchestration/definitions.py                    # UI (needs dagster-webserver)
    dagster definitions validate -f orchestration/definitions.py
    dagster job execute -f orchestration/definitions.py -j warehouse_refresh

- Assets: every dbt model and seed of the project, read from the manifest by dagster-dbt
  (`@dbt_assets`), with the project's lineage and groups (one per layer / mart area).
- Materialising them runs THE refresh (`abm-warehouse refresh`, the same command cron and the
  systemd timer run): dbt build on a copy of the live file, source freshness, post-build
  checks, atomic publish, generations, ops.refresh_runs, refresh.log. Dagster never writes
  the live file itself, so readers are as safe as with cron. A subset materialisation passes
  the selected models to the refresh as `--select`.
- Schedule `daily_warehouse_refresh`: the job `warehouse_refresh` (all assets) at 05:15 UTC.

Configuration (environment of the code location):
  ABM_LIVE_WAREHOUSE   the live file (default: <project>/warehouse/warehouse.duckdb)
  ABM_REFRESH_FLAGS    extra refresh flags, e.g. "--keep 5 --fail-on-stale" (the as-of date is
                       `--as-of loaded` unless these give one, e.g. "--as-of yesterday")
  ABM_DAGSTER_TARGET   dbt target path holding manifest.json (default: target/dagster);
                       `make test-dagster` and `dagster dev` write it with `dbt parse`.
"""

import os
import shlex
import subprocess
import sys
from collections.abc import Iterator, Mapping
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    DefaultScheduleStatus,
    Definitions,
    Failure,
    MaterializeResult,
    MetadataValue,
    ScheduleDefinition,
    define_asset_job,
)
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject, dbt_assets

from abm_warehouse.ops import refresh

PROJECT_DIR = Path(__file__).resolve().parents[1]
EXIT_LOCKED = refresh.EXIT_LOCKED

dbt_project = DbtProject(
    project_dir=PROJECT_DIR,
    profiles_dir=PROJECT_DIR,
    target_path=Path(os.environ.get("ABM_DAGSTER_TARGET", "target/dagster")),
)
dbt_project.prepare_if_dev()  # `dagster dev` only: runs `dbt parse` to write the manifest

# dbt tests run inside the refresh (a failing test stops the publish); they are reported on
# the run, not as separate Dagster asset checks that Dagster would try to execute itself.
translator = DagsterDbtTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=False, enable_source_metadata=False)
)


def live_warehouse() -> Path:
    default = PROJECT_DIR / refresh.DEFAULT_WAREHOUSE
    return Path(os.environ.get("ABM_LIVE_WAREHOUSE") or default).absolute()


def refresh_command(warehouse: Path, select: list[str] | None = None) -> list[str]:
    """The refresh CLI exactly as cron / systemd run it (the as-of date moves to the last
    complete day of the raw data, `--as-of loaded`, unless ABM_REFRESH_FLAGS gives one), plus
    --select for a subset."""
    command = [sys.executable, "-m", "abm_warehouse.cli", "refresh", "--warehouse", str(warehouse)]
    flags = shlex.split(os.environ.get("ABM_REFRESH_FLAGS", ""))
    if not any(flag == "--as-of" or flag.startswith("--as-of=") for flag in flags):
        command += ["--as-of", "loaded"]
    command += flags
    if select:
        command += ["--select", *select]
    return command


def dbt_nodes_by_asset_key(manifest: Mapping[str, Any]) -> dict[AssetKey, dict[str, Any]]:
    """Asset key -> manifest node, for the nodes that are assets (models, seeds, snapshots;
    dagster-dbt makes no asset of an ephemeral model: its SQL lives in its consumers)."""
    nodes = {}
    for node in manifest["nodes"].values():
        ephemeral = node.get("config", {}).get("materialized") == "ephemeral"
        if node["resource_type"] in ("model", "seed", "snapshot") and not ephemeral:
            nodes[translator.get_asset_key(node)] = node
    return nodes


def materializations(
    selected: set[AssetKey],
    asset_deps: Mapping[AssetKey, set[AssetKey]],
    nodes: Mapping[AssetKey, Mapping[str, Any]],
    record: dict[str, Any],
) -> Iterator[MaterializeResult]:
    """One result per selected asset of a published refresh, upstream first (Dagster wants
    a multi-asset's outputs in topological order); row counts from the run record."""
    row_counts = record.get("row_counts") or {}
    order = TopologicalSorter({key: set(deps) for key, deps in asset_deps.items()})
    for key in (k for k in order.static_order() if k in selected):
        node = nodes.get(key, {})
        metadata: dict[str, Any] = {
            "refresh_run_id": record.get("run_id"),
            "generation": record.get("generation"),
            "as_of_date": record.get("as_of_date"),
            "warehouse": MetadataValue.path(record.get("warehouse", "")),
        }
        relation = f"{node.get('schema')}.{node.get('alias') or node.get('name')}"
        if relation in row_counts:
            metadata["dagster/row_count"] = row_counts[relation]
        yield MaterializeResult(asset_key=key, metadata=metadata)


def run_refresh(context: AssetExecutionContext, select: list[str] | None) -> dict[str, Any]:
    """Run the refresh CLI; return its refresh.log record (None when another one ran)."""
    warehouse = live_warehouse()
    paths = refresh.Paths(warehouse)
    seen = len(refresh.read_log(paths))
    command = refresh_command(warehouse, select)
    context.log.info("running the warehouse refresh: " + shlex.join(command))
    completed = subprocess.run(
        command, cwd=PROJECT_DIR, capture_output=True, text=True, check=False
    )
    for line in completed.stderr.splitlines():
        context.log.info(line)
    records = [r for r in refresh.read_log(paths)[seen:] if r.get("action") == "refresh"]
    record = records[-1] if records else {}
    record["exit_code"] = completed.returncode
    return record


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    name="abm_warehouse_dbt",
)
def abm_warehouse_dbt(context: AssetExecutionContext) -> Iterator[MaterializeResult]:
    nodes = dbt_nodes_by_asset_key(dbt_project_manifest())
    selected = set(context.selected_asset_keys)
    select = None
    if context.is_subset:
        select = sorted(nodes[key]["name"] for key in selected if key in nodes)
    record = run_refresh(context, select)
    code = record["exit_code"]
    if code == EXIT_LOCKED:
        # Like the systemd unit (SuccessExitStatus=75): skipped, not failed; nothing new.
        context.log.warning("another refresh or rollback holds the lock: skipped this run")
        return
    if code != 0 or record.get("status") != "success":
        raise Failure(
            description=(
                f"warehouse refresh failed (exit {code}) at {record.get('failed_step', '?')}: "
                f"{record.get('error', 'see the log')}; the live warehouse is unchanged"
            ),
            metadata={
                "refresh_run_id": record.get("run_id", ""),
                "failing_tests": MetadataValue.json(record.get("failing_tests") or []),
                "refresh_log": MetadataValue.path(str(refresh.Paths(live_warehouse()).log)),
            },
        )
    context.log.info(f"published generation {record.get('generation')} to {live_warehouse()}")
    yield from materializations(selected, context.assets_def.asset_deps, nodes, record)


def dbt_project_manifest() -> dict[str, Any]:
    import json

    return json.loads(dbt_project.manifest_path.read_text())


warehouse_refresh = define_asset_job(
    "warehouse_refresh",
    selection=AssetSelection.assets(abm_warehouse_dbt),
    description="The scheduled refresh: build a copy, test it, publish it atomically.",
)

daily_warehouse_refresh = ScheduleDefinition(
    name="daily_warehouse_refresh",
    job=warehouse_refresh,
    cron_schedule="15 5 * * *",  # as ops/systemd/abm-warehouse-refresh.timer
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)

defs = Definitions(
    assets=[abm_warehouse_dbt],
    jobs=[warehouse_refresh],
    schedules=[daily_warehouse_refresh],
)
