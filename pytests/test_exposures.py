"""Every consumer of the marts is a dbt exposure listing the marts it reads, derived from the files.

* a Superset dashboard (bi/dashboards): the tables its charts' datasets read are in the
  depends_on of the exposure whose url is the dashboard's (and nothing else);
* a saved MetricFlow query (`saved_queries:` in models/**/*.yml): the marts of the semantic
  models behind its metrics and group-by dimensions are in the depends_on of the exposure
  named after it (meta.saved_query).

So `dbt ls --select +exposure:<name>` lists what a consumer needs. The project has no saved
query yet: the check runs on every one added, and on a hand-made project below.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "bi" / "dashboards"
REF = re.compile(r"""ref\(\s*['"]([^'"]+)['"]\s*\)""")
DIMENSION = re.compile(r"""(?:Dimension|Entity)\(\s*['"]([^'"]+)['"]""")


def _yaml_docs(root: Path) -> list[dict]:
    return [yaml.safe_load(p.read_text()) or {} for p in sorted(root.glob("models/**/*.yml"))]


def _listed(root: Path, key: str) -> list[dict]:
    return [item for doc in _yaml_docs(root) for item in doc.get(key) or []]


def _refs(items: list[str]) -> set[str]:
    return {m.group(1) for item in items for m in [REF.search(item)] if m}


def _mart_names(root: Path) -> set[str]:
    marts = root / "models" / "marts"
    return {p.stem for p in marts.rglob("*") if p.suffix in (".sql", ".py")}


def dashboard_tables(bundle: Path) -> dict[str, set[str]]:
    """{dashboard slug: the tables its charts read}, from the Superset export bundle."""

    def load(folder: str) -> list[dict]:
        return [yaml.safe_load(p.read_text()) for p in sorted((bundle / folder).rglob("*.yaml"))]

    tables = {ds["uuid"]: ds["table_name"] for ds in load("datasets")}
    chart_tables = {c["uuid"]: tables[c["dataset_uuid"]] for c in load("charts")}
    out = {}
    for dashboard in load("dashboards"):
        charts = [
            v["meta"]["uuid"]
            for v in dashboard["position"].values()
            if isinstance(v, dict) and v.get("type") == "CHART"
        ]
        out[dashboard["slug"]] = {chart_tables[c] for c in charts}
    return out


def saved_query_marts(root: Path) -> dict[str, set[str]]:
    """{saved query: the marts it reads}: its metrics, followed to their measures (ratio,
    derived, cumulative and conversion metrics through their inputs), the semantic models
    owning those measures, and the semantic models of its entity-qualified group-by
    dimensions and where filters; each semantic model reads the mart of its `model:`."""
    semantic_models = _listed(root, "semantic_models")
    metrics = {m["name"]: m for m in _listed(root, "metrics")}
    model_of = {sm["name"]: REF.search(sm["model"]).group(1) for sm in semantic_models}
    owner_of_measure = {
        measure["name"]: sm["name"]
        for sm in semantic_models
        for measure in sm.get("measures") or []
    }
    by_entity: dict[str, set[str]] = {}
    for sm in semantic_models:
        names = {sm.get("primary_entity")} | {e["name"] for e in sm.get("entities") or []}
        for name in names - {None}:
            by_entity.setdefault(name, set()).add(sm["name"])

    def name(x) -> str:
        return x["name"] if isinstance(x, dict) else x

    def metric_models(metric_name: str, seen: set[str]) -> set[str]:
        if metric_name in seen:
            return set()
        seen.add(metric_name)
        params = metrics[metric_name].get("type_params") or {}
        found = set()
        conversion = params.get("conversion_type_params") or {}
        if params.get("measure"):
            found.add(owner_of_measure[name(params["measure"])])
        for key in ("base_measure", "conversion_measure"):
            if conversion.get(key):
                found.add(owner_of_measure[name(conversion[key])])
        inputs = [params[k] for k in ("numerator", "denominator", "metric") if params.get(k)]
        inputs += params.get("metrics") or []
        for item in inputs:
            found |= metric_models(name(item), seen)
        return found

    out = {}
    for query in _listed(root, "saved_queries"):
        params = query.get("query_params") or {}
        models: set[str] = set()
        for metric in params.get("metrics") or []:
            models |= metric_models(metric, set())
        where = params.get("where") or []
        texts = (params.get("group_by") or []) + ([where] if isinstance(where, str) else where)
        for text in texts:
            for dimension in DIMENSION.findall(text):
                entity = dimension.split("__")[0]
                models |= by_entity.get(entity, set())
        out[query["name"]] = {model_of[m] for m in models}
    return out


def check_exposures(root: Path, bundle: Path) -> list[str]:
    problems = []
    exposures = _listed(root, "exposures")
    marts = _mart_names(root)
    for exposure in exposures:
        where = f"exposure {exposure['name']}"
        for key in ("type", "owner", "description", "depends_on"):
            if not exposure.get(key):
                problems.append(f"{where}: no {key}")
        if not (exposure.get("owner") or {}).get("name"):
            problems.append(f"{where}: the owner has no name")
        for ref in sorted(_refs(exposure.get("depends_on") or []) - marts):
            problems.append(f"{where}: depends on {ref}, which is not a mart")
    by_url = {e.get("url"): e for e in exposures if e.get("url")}
    dashboard_urls = set()
    for slug, tables in sorted(dashboard_tables(bundle).items()):
        url = f"http://localhost:8088/superset/dashboard/{slug}/"
        dashboard_urls.add(url)
        exposure = by_url.get(url)
        if exposure is None:
            problems.append(f"dashboard {slug}: no exposure with url {url}")
            continue
        declared = _refs(exposure.get("depends_on") or [])
        for table in sorted(tables - declared):
            problems.append(f"exposure {exposure['name']}: dashboard {slug} reads {table}")
        for table in sorted(declared - tables):
            problems.append(f"exposure {exposure['name']}: dashboard {slug} does not read {table}")
    for exposure in exposures:
        url = exposure.get("url") or ""
        if "/superset/dashboard/" in url and url not in dashboard_urls:
            problems.append(f"exposure {exposure['name']}: no Superset dashboard at {url}")
    by_saved_query = {
        (e.get("meta") or (e.get("config") or {}).get("meta") or {}).get("saved_query"): e
        for e in exposures
    }
    for query, query_marts in sorted(saved_query_marts(root).items()):
        exposure = by_saved_query.get(query)
        if exposure is None:
            problems.append(f"saved query {query}: no exposure with meta.saved_query: {query}")
            continue
        declared = _refs(exposure.get("depends_on") or [])
        for mart in sorted(query_marts - declared):
            problems.append(f"exposure {exposure['name']}: saved query {query} reads {mart}")
    return problems


def test_every_dashboard_and_saved_query_is_an_exposure_on_the_marts_it_reads() -> None:
    assert dashboard_tables(BUNDLE), "no Superset dashboard found in bi/dashboards"
    assert check_exposures(ROOT, BUNDLE) == []


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_saved_query_reading_an_undeclared_mart_is_reported(tmp_path: Path) -> None:
    """A saved query of win_rate (a ratio of two metrics of two semantic models) grouped by a
    dimension of a third: all three marts must be in its exposure, which lists one."""
    for mart in ("kpi_sales_monthly", "kpi_deals_monthly", "dim_accounts"):
        _write(tmp_path / "models" / "marts" / f"{mart}.sql", "select 1")
    _write(
        tmp_path / "models" / "semantic" / "sem.yml",
        """
semantic_models:
  - name: sales_monthly
    model: ref('kpi_sales_monthly')
    primary_entity: sales_monthly
    measures: [{name: won, agg: sum}]
  - name: deals_monthly
    model: ref('kpi_deals_monthly')
    primary_entity: deals_monthly
    measures: [{name: closed, agg: sum}]
  - name: accounts
    model: ref('dim_accounts')
    primary_entity: account
    entities: [{name: account, type: primary}]
    measures: []
metrics:
  - {name: won_deals, type: simple, type_params: {measure: won}}
  - {name: closed_deals, type: simple, type_params: {measure: {name: closed}}}
  - name: win_rate
    type: ratio
    type_params: {numerator: won_deals, denominator: {name: closed_deals}}
saved_queries:
  - name: win_rate_by_tier
    query_params:
      metrics: [win_rate]
      group_by: ["TimeDimension('metric_time', 'month')", "Dimension('account__abm_tier')"]
""",
    )
    _write(
        tmp_path / "models" / "exposures.yml",
        """
exposures:
  - name: saved_win_rate_by_tier
    type: analysis
    owner: {name: Analytics engineering}
    description: The saved query win_rate_by_tier.
    meta: {saved_query: win_rate_by_tier}
    depends_on: ["ref('kpi_sales_monthly')", "ref('int_x')"]
""",
    )
    bundle = tmp_path / "bundle"
    for folder in ("datasets", "charts", "dashboards"):
        (bundle / folder).mkdir(parents=True)
    assert saved_query_marts(tmp_path) == {
        "win_rate_by_tier": {"kpi_sales_monthly", "kpi_deals_monthly", "dim_accounts"}
    }
    assert check_exposures(tmp_path, bundle) == [
        "exposure saved_win_rate_by_tier: depends on int_x, which is not a mart",
        "exposure saved_win_rate_by_tier: saved query win_rate_by_tier reads dim_accounts",
        "exposure saved_win_rate_by_tier: saved query win_rate_by_tier reads kpi_deals_monthly",
    ]


def test_a_dashboard_chart_on_an_undeclared_table_is_reported(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    _write(
        bundle / "datasets" / "db" / "kpi_a.yaml",
        "uuid: d-a\ntable_name: kpi_a\nschema: marts\n",
    )
    _write(
        bundle / "datasets" / "db" / "kpi_b.yaml",
        "uuid: d-b\ntable_name: kpi_b\nschema: marts\n",
    )
    _write(bundle / "charts" / "one.yaml", "uuid: c-1\ndataset_uuid: d-a\n")
    _write(bundle / "charts" / "two.yaml", "uuid: c-2\ndataset_uuid: d-b\n")
    _write(
        bundle / "dashboards" / "board.yaml",
        """
slug: board
position:
  CHART-1: {type: CHART, meta: {uuid: c-1}}
  CHART-2: {type: CHART, meta: {uuid: c-2}}
""",
    )
    for mart in ("kpi_a", "kpi_b"):
        _write(tmp_path / "models" / "marts" / f"{mart}.sql", "select 1")
    _write(
        tmp_path / "models" / "exposures.yml",
        """
exposures:
  - name: superset_board
    type: dashboard
    url: http://localhost:8088/superset/dashboard/board/
    owner: {name: Analytics engineering}
    description: Board.
    depends_on: ["ref('kpi_a')"]
  - name: superset_gone
    type: dashboard
    url: http://localhost:8088/superset/dashboard/gone/
    owner: {name: Analytics engineering}
    description: A dashboard removed from the bundle.
    depends_on: ["ref('kpi_a')"]
""",
    )
    assert check_exposures(tmp_path, bundle) == [
        "exposure superset_board: dashboard board reads kpi_b",
        "exposure superset_gone: no Superset dashboard at "
        "http://localhost:8088/superset/dashboard/gone/",
    ]
