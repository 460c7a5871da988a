"""The Superset bundle (bi/dashboards) is what bi/make_bundle.py writes, reads only kpi_ marts
read-only, and every dashboard is declared as a dbt exposure on the marts it uses.

The browser test of the dashboards themselves is `make test-bi` (bi/tests).
"""

from __future__ import annotations

import filecmp
import importlib.util
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "bi" / "dashboards"


def _load(folder: str) -> list[dict]:
    return [yaml.safe_load(p.read_text()) for p in sorted((BUNDLE / folder).rglob("*.yaml"))]


def test_bundle_is_generated_by_make_bundle(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_bundle", ROOT / "bi" / "make_bundle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write(tmp_path / "out")
    cmp = filecmp.dircmp(BUNDLE, tmp_path / "out")

    def differences(c: filecmp.dircmp) -> list[str]:
        found = c.left_only + c.right_only + c.diff_files
        for sub in c.subdirs.values():
            found += differences(sub)
        return found

    assert differences(cmp) == [], "run `python bi/make_bundle.py` and commit bi/dashboards"


def test_database_is_read_only_placeholder() -> None:
    (db,) = _load("databases")
    assert db["sqlalchemy_uri"] == "duckdb:///__WAREHOUSE_PATH__?access_mode=read_only"
    assert not db["allow_dml"] and not db["allow_ctas"] and not db["allow_cvas"]


def test_datasets_are_kpi_marts() -> None:
    for ds in _load("datasets"):
        assert ds["schema"] == "marts" and ds["table_name"].startswith("kpi_"), ds["table_name"]
        assert ds["sql"] is None


def test_every_dashboard_is_an_exposure_on_the_marts_it_reads() -> None:
    tables = {ds["uuid"]: ds["table_name"] for ds in _load("datasets")}
    chart_tables = {c["uuid"]: tables[c["dataset_uuid"]] for c in _load("charts")}
    exposures = yaml.safe_load((ROOT / "models" / "exposures.yml").read_text())["exposures"]
    by_url = {e["url"]: e for e in exposures}
    dashboards = _load("dashboards")
    assert {d["slug"] for d in dashboards} == {"funnel", "abm", "channels", "revenue-ltv"}
    for d in dashboards:
        charts = [
            v["meta"]["uuid"]
            for v in d["position"].values()
            if isinstance(v, dict) and v.get("type") == "CHART"
        ]
        assert len(charts) >= 3, d["slug"]
        url = f"http://localhost:8088/superset/dashboard/{d['slug']}/"
        assert url in by_url, f"no exposure for {url} in models/exposures.yml"
        exposure = by_url[url]
        assert exposure["type"] == "dashboard"
        assert exposure["owner"]["name"] == "Analytics engineering"
        declared = {ref.split("'")[1] for ref in exposure["depends_on"]}
        assert declared == {chart_tables[c] for c in charts}, d["slug"]
