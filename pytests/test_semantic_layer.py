"""The MetricFlow semantic layer (models/semantic) answers exactly what the kpi_ marts hold.

Every metric carries ``meta.verify`` (mart, column, period column, grain and one or more
checks: the group-by of the metric query, the mart columns it maps to and the mart rows it
must equal). The test queries every metric through MetricFlow's Python API in one process,
batching the metrics that share a group-by, and compares each value with the mart column for
every period and group (tolerance 1e-9, relative for large amounts).

Needs a built warehouse and its target/semantic_manifest.json: `make semantic-test` runs it
after `dbt-build-test` on the test warehouse. Skipped unless ABM_SEMANTIC_TEST_WAREHOUSE is set.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WAREHOUSE = os.environ.get("ABM_SEMANTIC_TEST_WAREHOUSE")
TOLERANCE = 1e-9

pytestmark = pytest.mark.skipif(
    not WAREHOUSE,
    reason="needs a built warehouse: run `make semantic-test` (sets ABM_SEMANTIC_TEST_WAREHOUSE)",
)


def _metrics() -> dict[str, dict]:
    manifest = json.loads((ROOT / "target" / "manifest.json").read_text())
    project = manifest["metadata"]["project_name"]
    return {
        m["name"]: m
        for m in manifest["metrics"].values()
        if m["package_name"] == project and m["original_file_path"].startswith("models/semantic/")
    }


def _key_value(value):
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _number(value):
    if value is None:
        return None
    if isinstance(value, (Decimal, int)):
        return float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return float(value)


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= TOLERANCE * max(1.0, abs(b))


@pytest.fixture(scope="module")
def engine():
    os.environ["ABM_WAREHOUSE_PATH"] = WAREHOUSE
    from dbt_metricflow.cli.cli_configuration import CLIConfiguration

    config = CLIConfiguration()
    config.setup(dbt_profiles_path=ROOT, dbt_project_path=ROOT, configure_file_logging=False)
    return config


def _rows(table) -> tuple[list[str], list[tuple]]:
    names = [c.lower() for c in table.column_names]
    return names, [tuple(r) for r in table.rows]


def test_every_metric_is_a_catalog_kpi_with_a_check():
    metrics = _metrics()
    assert len(metrics) > 100
    catalog = yaml.safe_load((Path(ROOT) / "docs" / "kpi_catalog.yml").read_text())
    kpi_names = {kpi["name"] for kpi in catalog["kpis"]}
    for name, metric in metrics.items():
        meta = metric["config"]["meta"]
        assert meta.get("kpi"), f"{name}: no meta.kpi"
        if meta.get("role") == "kpi":
            assert meta["kpi"] in kpi_names, (
                f"{name}: meta.kpi {meta['kpi']} not in docs/kpi_catalog.yml"
            )
        assert metric["description"].strip(), f"{name}: no description"
        # cumulative windows are checked through the derived metrics built on them; inputs
        # over a computed measure (e.g. won + lost amount) through the ratio they feed
        if meta.get("role") == "kpi" and metric["type"] != "cumulative":
            assert meta.get("verify"), f"{name}: no meta.verify"
        if metric["type"] == "ratio":
            assert metric["type_params"]["numerator"] and metric["type_params"]["denominator"]


def test_mf_query_cli_answers_win_rate():
    # Runs before the module's engine holds the warehouse open (one subprocess, a few seconds).
    env = {**os.environ, "ABM_WAREHOUSE_PATH": WAREHOUSE}
    mf = str(Path(sys.executable).with_name("mf"))
    out = subprocess.run(
        [mf, "query", "--metrics", "win_rate", "--group-by", "metric_time__month", "--limit", "5"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "win_rate" in out.stdout and "metric_time__month" in out.stdout


def test_every_metric_equals_its_mart_column(engine):
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

    metrics = _metrics()
    # one MetricFlow query per (grain, group-by): many metrics at once
    batches: dict[tuple, list[tuple[str, dict, dict]]] = defaultdict(list)
    for name, metric in sorted(metrics.items()):
        verify = metric["config"]["meta"].get("verify")
        if not verify:
            continue
        for check in verify["checks"]:
            batches[(verify["grain"], tuple(check["group_by"]))].append((name, verify, check))

    def run(metric_names, group_by):
        request = MetricFlowQueryRequest.create(metric_names=metric_names, group_by_names=group_by)
        return _rows(engine.mf.query(request).result_df)

    failures: list[str] = []
    checked = 0
    for (grain, group_by), items in sorted(batches.items()):
        mf_group_by = [f"metric_time__{grain}", *group_by]
        names = sorted({name for name, _, _ in items})
        try:
            columns, rows = run(names, mf_group_by)
            results = {n: (columns, rows) for n in names}
        except Exception:  # find the metric that breaks the batch
            results = {}
            for n in names:
                try:
                    results[n] = run([n], mf_group_by)
                except Exception as e:  # noqa: BLE001
                    failures.append(f"{n} by {mf_group_by}: query failed: {e}")
        for name, verify, check in items:
            if name not in results:
                continue
            columns, rows = results[name]
            key_idx = [columns.index(g.lower()) for g in mf_group_by]
            val_idx = columns.index(name)
            got = {tuple(_key_value(r[i]) for i in key_idx): _number(r[val_idx]) for r in rows}
            where = f"where {check['where']}" if check["where"] else ""
            select = ", ".join([verify["time_column"], *check["mart_columns"], verify["column"]])
            mart_cols, mart_rows = _rows(
                engine.sql_client.query(f"select {select} from marts.{verify['mart']} {where}")
            )
            assert mart_rows, f"{verify['mart']} {where}: no rows"
            for row in mart_rows:
                key = tuple(_key_value(v) for v in row[:-1])
                expected, actual = _number(row[-1]), got.get(key)
                checked += 1
                if not _close(actual, expected):
                    where_key = dict(zip(mf_group_by, key, strict=True))
                    failures.append(
                        f"{name} {where_key}: semantic layer {actual}, "
                        f"{verify['mart']}.{verify['column']} {expected}"
                    )
    assert checked > 1000
    assert not failures, f"{len(failures)} mismatches:\n" + "\n".join(failures)
