"""KPI reference: docs/kpi_catalog.yml joined with the dbt manifest, and the coverage check.

For every KPI of the catalog the reference lists its definition, the mart columns that
publish it (with the mart's grain and the column's description), the data tests on those
columns, the dbt unit tests whose expected rows hold them (on the mart or, where the formula
lives upstream, on an ancestor model), the pytest files guarding Python models, and the
MetricFlow metrics that answer it. It is generated, so it cannot drift from the YAML.

The same join is the coverage check: it fails when a catalog KPI has no mart column, a
column without a description, or nothing testing it.

    abm-warehouse kpi-reference            # write docs/kpi_reference.md
    abm-warehouse kpi-reference --check    # fail if a KPI is uncovered or the file is stale
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_CATALOG = Path("docs/kpi_catalog.yml")
DEFAULT_OUT = Path("docs/kpi_reference.md")
DEFAULT_MANIFEST = Path("target/manifest.json")


@dataclass
class ColumnCoverage:
    """What the manifest says about one mart column of a KPI."""

    ref: str
    model: str
    column: str
    exists: bool = False
    description: str = ""
    grain: str = ""
    data_tests: list[str] = field(default_factory=list)
    unit_tests: list[str] = field(default_factory=list)  # "model::test" (direct or upstream)


@dataclass
class KpiCoverage:
    name: str
    section: str
    definition: str
    columns: list[ColumnCoverage]
    pytests: list[str]
    metrics: list[str]

    @property
    def unit_tests(self) -> list[str]:
        return sorted({t for c in self.columns for t in c.unit_tests})

    @property
    def data_tests(self) -> list[str]:
        return sorted({t for c in self.columns for t in c.data_tests})


# ---------------------------------------------------------------------------- loading


def load_catalog(path: Path) -> dict[str, Any]:
    catalog = yaml.safe_load(path.read_text())
    if not isinstance(catalog, dict) or not isinstance(catalog.get("kpis"), list):
        raise ValueError(f"{path}: expected a mapping with a 'kpis' list")
    names = [k.get("name") for k in catalog["kpis"]]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"{path}: duplicate KPI names {duplicates}")
    return catalog


def _grain(description: str) -> str:
    """The 'One row per …' sentence of a model description."""
    text = " ".join(description.split())
    match = re.search(r"One row per[^.]*\.", text)
    return match.group(0) if match else ""


def _unit_test_columns(unit_test: dict) -> set[str] | str:
    """Columns of a unit test's expected rows (a set), or its raw text for sql/csv fixtures."""
    expect = unit_test.get("expect") or {}
    rows = expect.get("rows")
    if isinstance(rows, list):
        return {key for row in rows if isinstance(row, dict) for key in row}
    return str(rows or "")


def _expects(unit_test: dict, column: str) -> bool:
    columns = _unit_test_columns(unit_test)
    if isinstance(columns, set):
        return column in columns
    return re.search(rf"\b{re.escape(column)}\b", columns) is not None


class ManifestIndex:
    """Lookups over a dbt manifest: marts, column tests, unit tests, ancestors, metrics."""

    def __init__(self, manifest: dict[str, Any]) -> None:
        self.manifest = manifest
        self.project = manifest.get("metadata", {}).get("project_name")
        nodes = manifest.get("nodes", {})
        self.models = {
            n["name"]: n
            for n in nodes.values()
            if n.get("resource_type") == "model" and n.get("package_name") == self.project
        }
        self.column_tests: dict[tuple[str, str], list[str]] = {}
        for node in nodes.values():
            if node.get("resource_type") != "test" or not node.get("column_name"):
                continue
            attached = node.get("attached_node") or ""
            model = attached.rsplit(".", 1)[-1]
            meta = node.get("test_metadata") or {}
            test_name = meta.get("name") or node.get("name", "")
            key = (model, node["column_name"])
            self.column_tests.setdefault(key, []).append(test_name)
        self.unit_tests: dict[str, list[dict]] = {}
        for unit_test in manifest.get("unit_tests", {}).values():
            self.unit_tests.setdefault(unit_test["model"], []).append(unit_test)
        self.parents: dict[str, list[str]] = {}
        for name, node in self.models.items():
            parents = []
            for uid in node.get("depends_on", {}).get("nodes", []):
                parent = uid.rsplit(".", 1)[-1]
                if uid.startswith("model.") and parent in self.models:
                    parents.append(parent)
            self.parents[name] = parents
        self.metrics_by_kpi: dict[str, list[str]] = {}
        for metric in manifest.get("metrics", {}).values():
            meta = (metric.get("config") or {}).get("meta") or metric.get("meta") or {}
            kpi = meta.get("kpi") or metric["name"]
            self.metrics_by_kpi.setdefault(kpi, []).append(metric["name"])

    def is_mart(self, model: str) -> bool:
        node = self.models.get(model)
        return bool(node) and node["original_file_path"].startswith("models/marts/")

    def ancestors(self, model: str) -> list[str]:
        """Upstream models, nearest first (breadth first)."""
        seen: list[str] = []
        queue = list(self.parents.get(model, []))
        while queue:
            current = queue.pop(0)
            if current in seen:
                continue
            seen.append(current)
            queue.extend(self.parents.get(current, []))
        return seen

    def unit_tests_holding(self, model: str, column: str) -> list[str]:
        """Unit tests expecting `column`: on the model and on its nearest ancestor that has any.

        Both: a mart's own test may check which rows it keeps while the formula's test lives
        upstream (dim_accounts keeps accounts with a state; int_account_icp_fit computes the fit).
        """
        # sorted: the manifest lists unit tests in parse order, which partial parsing changes
        found = sorted(
            f"{model}::{t['name']}" for t in self.unit_tests.get(model, []) if _expects(t, column)
        )
        for ancestor in self.ancestors(model):
            upstream = sorted(
                f"{ancestor}::{t['name']}"
                for t in self.unit_tests.get(ancestor, [])
                if _expects(t, column)
            )
            if upstream:
                return found + upstream
        return found


# ---------------------------------------------------------------------------- coverage


def coverage(catalog: dict[str, Any], manifest: dict[str, Any]) -> list[KpiCoverage]:
    index = ManifestIndex(manifest)
    result = []
    for kpi in catalog["kpis"]:
        columns = []
        for ref in kpi.get("columns") or []:
            model, _, column = ref.partition(".")
            cov = ColumnCoverage(ref=ref, model=model, column=column)
            node = index.models.get(model)
            if node is not None and index.is_mart(model) and column in node.get("columns", {}):
                cov.exists = True
                cov.description = " ".join(
                    (node["columns"][column].get("description") or "").split()
                )
                cov.grain = _grain(node.get("description") or "")
                cov.data_tests = sorted(set(index.column_tests.get((model, column), [])))
                cov.unit_tests = index.unit_tests_holding(model, column)
            columns.append(cov)
        result.append(
            KpiCoverage(
                name=kpi["name"],
                section=str(kpi.get("section", "")),
                definition=" ".join(str(kpi.get("definition", "")).split()),
                columns=columns,
                pytests=list(kpi.get("pytests") or []),
                metrics=sorted(index.metrics_by_kpi.get(kpi["name"], [])),
            )
        )
    return result


def problems(kpis: Iterable[KpiCoverage], root: Path) -> list[str]:
    """Every way a catalog KPI fails to be a documented, tested mart column."""
    found = []
    for kpi in kpis:
        if not kpi.definition:
            found.append(f"{kpi.name}: no definition in the catalog")
        if not kpi.columns:
            found.append(f"{kpi.name}: no mart column")
        for column in kpi.columns:
            if not column.exists:
                found.append(f"{kpi.name}: {column.ref} is not a column of a mart")
            elif not column.description:
                found.append(f"{kpi.name}: {column.ref} has no description")
        for path in kpi.pytests:
            test_file = root / path
            if not test_file.is_file() or "def test_" not in test_file.read_text():
                found.append(f"{kpi.name}: pytest file {path} missing or without tests")
        if not kpi.unit_tests and not kpi.pytests:
            found.append(f"{kpi.name}: no unit test (dbt or pytest) computes it")
        if not kpi.data_tests and not kpi.unit_tests and not kpi.pytests:
            found.append(f"{kpi.name}: no test at all")
    return found


# ---------------------------------------------------------------------------- rendering


def _code(items: Iterable[str]) -> str:
    items = list(items)
    return ", ".join(f"`{i}`" for i in items) if items else "—"


def render(catalog: dict[str, Any], kpis: list[KpiCoverage]) -> str:
    sections: dict[str, str] = {str(k): v for k, v in (catalog.get("sections") or {}).items()}
    lines = [
        "# KPI reference",
        "",
        "Generated by `abm-warehouse kpi-reference` from `docs/kpi_catalog.yml` and the dbt",
        "manifest — do not edit by hand; `make test` fails when it is stale. Every KPI below",
        "is a documented mart column guarded by tests; ratio KPIs are also rows of",
        "`marts.kpi_monthly` (and additive ones of `marts.kpi_rollups`).",
        "",
        f"{len(kpis)} KPIs in {len(sections)} sections.",
        "",
    ]
    for section, title in sections.items():
        members = [k for k in kpis if k.section == section]
        if not members:
            continue
        lines += [f"## {section}. {title}", ""]
        lines += ["| KPI | definition | mart.column | semantic metrics |", "|---|---|---|---|"]
        for kpi in members:
            cols = "<br>".join(f"`marts.{c.ref}`" for c in kpi.columns)
            lines.append(
                f"| [{kpi.name}](#{kpi.name}) | {kpi.definition} | {cols} | {_code(kpi.metrics)} |"
            )
        lines.append("")
        for kpi in members:
            lines += [f"### {kpi.name}", "", f"**Definition.** {kpi.definition}", ""]
            for column in kpi.columns:
                lines.append(f"- `marts.{column.ref}` — {column.description}")
                if column.grain:
                    lines.append(f"  - grain: {column.grain}")
                lines.append(f"  - data tests: {_code(column.data_tests)}")
                lines.append(f"  - unit tests: {_code(column.unit_tests)}")
            if kpi.pytests:
                lines.append(f"- pytest: {_code(kpi.pytests)}")
            lines.append(f"- semantic metrics: {_code(kpi.metrics)}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write: fail if a KPI is uncovered or --out differs from the generated text",
    )


def run(args: argparse.Namespace) -> int:
    catalog = load_catalog(args.catalog)
    manifest = json.loads(args.manifest.read_text())
    kpis = coverage(catalog, manifest)
    found = problems(kpis, root=Path.cwd())
    for problem in found:
        print(f"kpi-reference: {problem}", file=sys.stderr)
    text = render(catalog, kpis)
    if args.check:
        current = args.out.read_text() if args.out.exists() else ""
        if current != text:
            print(
                f"kpi-reference: {args.out} is stale; run `abm-warehouse kpi-reference`",
                file=sys.stderr,
            )
            return 1
    else:
        args.out.write_text(text)
        print(f"kpi-reference: wrote {args.out} ({len(kpis)} KPIs)")
    if found:
        return 1
    if args.check:
        print(f"kpi-reference: {len(kpis)} KPIs covered, {args.out} current")
    return 0
