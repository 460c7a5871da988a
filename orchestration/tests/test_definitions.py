"""The Dagster code location: run by `make test-dagster` in .venv-dagster (not by `make test`).

Needs the manifest in $ABM_DAGSTER_TARGET (the make target runs `dbt parse` first). One test
materialises every asset of the sample for real, through the refresh, into a temporary
warehouse; the others use stand-in build commands so they take seconds.
"""

from __future__ import annotations

import importlib.util
import json
import shlex
import sys
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, Definitions

from abm_warehouse.ops import refresh

HERE = Path(__file__).resolve().parent
DEFINITIONS = HERE.parent / "definitions.py"


def load_definitions():
    spec = importlib.util.spec_from_file_location("abm_dagster_definitions", DEFINITIONS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def location():
    return load_definitions()


@pytest.fixture
def live(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "wh" / "warehouse.duckdb"
    monkeypatch.setenv("ABM_LIVE_WAREHOUSE", str(path))
    monkeypatch.delenv("ABM_REFRESH_FLAGS", raising=False)
    return path


def run_job(location, instance=None, selection=None):
    job = location.defs.resolve_job_def("warehouse_refresh")
    return job.execute_in_process(
        instance=instance or DagsterInstance.ephemeral(),
        raise_on_error=False,
        asset_selection=selection,
    )


def manifest(location) -> dict:
    return json.loads(location.dbt_project.manifest_path.read_text())


def test_definitions_load_and_every_model_seed_and_snapshot_is_an_asset(location):
    Definitions.validate_loadable(location.defs)
    nodes = [
        n
        for n in manifest(location)["nodes"].values()
        if n["resource_type"] in ("model", "seed", "snapshot")
        and n["config"]["materialized"] != "ephemeral"
    ]
    asset_keys = set(location.abm_warehouse_dbt.keys)
    assert len(asset_keys) == len(nodes) > 50
    assert asset_keys == set(location.dbt_nodes_by_asset_key(manifest(location)))
    by_name = {key.path[-1]: key for key in asset_keys}
    assert {"kpi_sales_monthly", "dim_accounts", "stg_ads__ad_company_daily"} <= set(by_name)
    # dbt lineage becomes asset lineage
    deps = location.abm_warehouse_dbt.asset_deps[by_name["kpi_sales_monthly"]]
    assert any(key.path[-1].startswith(("fct_", "int_")) for key in deps)


def test_daily_schedule_runs_the_refresh_job_on_every_asset(location):
    schedule = location.defs.resolve_schedule_def("daily_warehouse_refresh")
    assert schedule.cron_schedule == "15 5 * * *" and schedule.execution_timezone == "UTC"
    assert schedule.job_name == "warehouse_refresh"
    job = location.defs.resolve_job_def("warehouse_refresh")
    assert job.asset_layer.executable_asset_keys >= set(location.abm_warehouse_dbt.keys)


def test_refresh_command_is_the_cli_of_cron_and_systemd(location, live, monkeypatch):
    monkeypatch.setenv("ABM_REFRESH_FLAGS", "--keep 5 --fail-on-stale")
    command = location.refresh_command(location.live_warehouse(), ["kpi_sales_monthly"])
    assert command[:4] == [sys.executable, "-m", "abm_warehouse.cli", "refresh"]
    assert command[4:] == [
        "--warehouse",
        str(live),
        "--as-of",
        "loaded",  # the scheduled runs move the as-of date to the last complete day loaded
        "--keep",
        "5",
        "--fail-on-stale",
        "--select",
        "kpi_sales_monthly",
    ]


def test_the_as_of_policy_of_the_flags_wins(location, monkeypatch):
    monkeypatch.setenv("ABM_REFRESH_FLAGS", "--as-of yesterday")
    command = location.refresh_command(location.live_warehouse())
    assert command.count("--as-of") == 1 and command[-1] == "yesterday"


def test_one_materialisation_of_the_sample_publishes_through_the_refresh(location, live):
    result = run_job(location)
    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events() if e.asset_key}
    assert materialized == set(location.abm_warehouse_dbt.keys)
    # the refresh published the live file: run record, row counts, no WAL, no build file
    [record] = refresh.read_log(refresh.Paths(live))
    assert record["status"] == "success" and record["published"] is True
    assert not live.with_name(live.name + ".wal").exists()
    assert not list(live.parent.glob("*.build-*"))
    con = duckdb.connect(str(live), read_only=True)
    try:
        runs = con.execute("select run_id, status from ops.refresh_runs").fetchall()
        kpi_rows = con.execute("select count(*) from marts.kpi_sales_monthly").fetchone()[0]
    finally:
        con.close()
    assert runs == [(record["run_id"], "success")] and kpi_rows > 0
    # the mart's row count reaches Dagster as materialisation metadata
    events = {e.asset_key.path[-1]: e for e in result.get_asset_materialization_events()}
    metadata = events["kpi_sales_monthly"].materialization.metadata
    assert metadata["dagster/row_count"].value == kpi_rows
    assert metadata["generation"].value == record["generation"]


FAKE_BUILD = (
    "import duckdb, os; c = duckdb.connect(os.environ['ABM_WAREHOUSE_PATH']); "
    "c.execute('create schema if not exists marts'); "
    "c.execute('create or replace table marts.kpi_sales_monthly as select 1 as x'); c.close()"
)


def fake_flags(build_exit: int = 0) -> str:
    build = f"{sys.executable} -c {shlex.quote(FAKE_BUILD + f'; raise SystemExit({build_exit})')}"
    return f"--skip-freshness --build-command {shlex.quote(build)}"


def test_a_subset_passes_select_to_the_refresh(location, live, monkeypatch):
    monkeypatch.setenv("ABM_REFRESH_FLAGS", fake_flags())
    calls = []
    original = location.refresh_command

    def spy(warehouse, select=None):
        calls.append(select)
        return original(warehouse, select)

    monkeypatch.setattr(location, "refresh_command", spy)
    key = next(k for k in location.abm_warehouse_dbt.keys if k.path[-1] == "kpi_sales_monthly")
    result = run_job(location, selection=[key])
    assert result.success
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [key]
    assert calls == [["kpi_sales_monthly"]]
    [record] = refresh.read_log(refresh.Paths(live))
    assert record["status"] == "success"
    event = result.get_asset_materialization_events()[0]
    assert event.materialization.metadata["dagster/row_count"].value == 1


def test_a_failed_refresh_fails_the_run_and_leaves_live_unchanged(location, live, monkeypatch):
    monkeypatch.setenv("ABM_REFRESH_FLAGS", fake_flags())
    assert run_job(location).success
    before = live.read_bytes()
    monkeypatch.setenv("ABM_REFRESH_FLAGS", fake_flags(build_exit=1))
    result = run_job(location)
    assert not result.success
    assert result.get_asset_materialization_events() == []
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "failed (exit 1) at build" in failure.description
    assert live.read_bytes() == before


def test_a_refresh_already_running_skips_the_run(location, live, monkeypatch):
    monkeypatch.setenv("ABM_REFRESH_FLAGS", fake_flags())
    paths = refresh.Paths(live)
    with refresh.exclusive_lock(paths.lock, {"pid": 1, "action": "refresh"}):
        result = run_job(location)
    assert result.success  # like systemd's SuccessExitStatus=75: skipped, not failed
    assert result.get_asset_materialization_events() == []
    assert [r["status"] for r in refresh.read_log(paths)] == ["locked"]
    assert not live.exists()
