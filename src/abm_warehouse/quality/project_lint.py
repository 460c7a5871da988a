"""Check the dbt project's structure rules on its manifest (and catalog, when present).

The rules of dbt-project-evaluator and of this project's style guide that matter here,
enforced in CI without the package (which cannot be installed offline):

* every model has a description, and the description states the grain ("one row per ...");
* every model has a primary-key test: ``unique`` and ``not_null`` on one column, or
  ``unique_combination_of_columns``, or ``staging_outcomes`` (a base model's key among its
  checks); or its YAML names the key and the construction that guarantees it
  (``meta: {primary_key: ..., primary_key_guaranteed_by: ...}``);
* only ``base_`` staging models read sources; marts never read ``base_`` / ``quarantine_``
  models or sources directly;
* the DAG flows staging -> intermediate -> marts: no staging or intermediate model reads a
  mart (the logic a mart and an intermediate share lives in an intermediate both read);
* model names follow their layer: ``base_`` / ``stg_`` / ``quarantine_`` in staging, ``int_`` in
  intermediate, ``dim_`` / ``fct_`` / ``kpi_`` in marts;
* one YAML file per model, next to it and named after it;
* every source table declares freshness and a load timestamp;
* every mart is ``access: public`` with an enforced contract (a data_type on every column);
  the Python marts, which dbt cannot contract, declare their data_types and, with the
  catalog, the built columns have them (docs/interface.md);
* with ``target/catalog.json`` (``dbt docs generate``): every column of every mart is
  documented in the model's YAML, and every documented column exists.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path, PurePosixPath

import yaml

LAYER_PREFIXES = {
    "staging": ("base_", "stg_", "quarantine_"),
    "intermediate": ("int_",),
    "marts": ("dim_", "fct_", "kpi_"),
}
PK_TESTS = {"unique", "not_null"}


def _layer(node: dict) -> str | None:
    parts = PurePosixPath(node["original_file_path"]).parts
    return parts[1] if len(parts) > 2 and parts[0] == "models" else None


def _tests_by_model(manifest: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        attached = node.get("attached_node") or next(
            iter(node.get("depends_on", {}).get("nodes", [])), None
        )
        if attached:
            out.setdefault(attached, []).append(node)
    return out


def _has_primary_key_test(tests: list[dict], node: dict | None = None) -> bool:
    meta_of_model = ((node or {}).get("config") or {}).get("meta") or {}
    if meta_of_model.get("primary_key") and meta_of_model.get("primary_key_guaranteed_by"):
        return True  # a key guaranteed by construction, with the argument written down
    by_column: dict[str, set[str]] = {}
    for t in tests:
        meta = t.get("test_metadata") or {}
        name = meta.get("name")
        if name in ("unique_combination_of_columns", "staging_outcomes"):
            return True
        column = t.get("column_name")
        if name in PK_TESTS and column:
            by_column.setdefault(column, set()).add(name)
    return any(names >= PK_TESTS for names in by_column.values())


def _interface_problems(node: dict, where: str) -> list[str]:
    """A mart is public and contracted: enforced (SQL), or its data_types declared (Python)."""
    problems = []
    if node.get("access") != "public":
        problems.append(f"{where}: marts are access: public (is {node.get('access')})")
    enforced = ((node.get("config") or {}).get("contract") or {}).get("enforced")
    if node.get("language") == "sql" and not enforced:
        problems.append(f"{where}: the mart's contract is not enforced")
    untyped = sorted(c for c, v in node.get("columns", {}).items() if not v.get("data_type"))
    if untyped:
        problems.append(f"{where}: columns without data_type: {', '.join(untyped)}")
    return problems


def check_manifest(manifest: dict) -> list[str]:
    problems: list[str] = []
    project = manifest["metadata"].get("project_name")
    tests = _tests_by_model(manifest)
    models = {
        uid: n
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] == "model" and n["package_name"] == project
    }
    for uid, node in sorted(models.items()):
        name, path = node["name"], node["original_file_path"]
        where = f"{name} ({path})"
        layer = _layer(node)
        description = (node.get("description") or "").strip()
        if not description:
            problems.append(f"{where}: no description")
        elif "one row per" not in description.lower():
            problems.append(f"{where}: description does not state the grain ('one row per ...')")
        if not _has_primary_key_test(tests.get(uid, []), node):
            problems.append(f"{where}: no primary-key test (unique + not_null on one column)")
        prefixes = LAYER_PREFIXES.get(layer or "")
        if prefixes is None:
            problems.append(f"{where}: not under models/staging|intermediate|marts")
        elif not name.startswith(prefixes):
            problems.append(f"{where}: {layer} model names start with {' / '.join(prefixes)}")
        depends = node.get("depends_on", {}).get("nodes", [])
        reads_source = any(d.startswith("source.") for d in depends)
        if reads_source and not name.startswith("base_"):
            problems.append(f"{where}: only base_ staging models may read sources")
        if layer == "marts":
            for dep in depends:
                dep_name = dep.split(".")[-1]
                if dep_name.startswith(("base_", "quarantine_")):
                    problems.append(f"{where}: marts must not read {dep_name}")
        elif layer in ("staging", "intermediate"):
            for dep in depends:
                parent = models.get(dep)
                if parent is not None and _layer(parent) == "marts":
                    problems.append(
                        f"{where}: {layer} models must not read the mart {parent['name']} "
                        "(move the shared logic into an intermediate model)"
                    )
        if layer == "marts":
            problems += _interface_problems(node, where)
        patch = node.get("patch_path")
        # a model version's SQL (kpi_x_v2.sql) is described in its model's YAML (kpi_x.yml)
        expected = str(PurePosixPath(path).with_name(f"{name}.yml"))
        if not patch:
            problems.append(f"{where}: no YAML file")
        elif patch.split("://", 1)[-1] != expected:
            problems.append(f"{where}: YAML should be {expected}, is {patch.split('://', 1)[-1]}")
    for source in manifest["sources"].values():
        if source["package_name"] != project:
            continue
        where = f"source {source['source_name']}.{source['name']}"
        freshness = source.get("freshness") or {}
        if not (freshness.get("warn_after") or {}).get("count") and not (
            freshness.get("error_after") or {}
        ).get("count"):
            problems.append(f"{where}: no freshness")
        if not source.get("loaded_at_field") and not (
            (source.get("config") or {}).get("loaded_at_field")
        ):
            problems.append(f"{where}: no loaded_at_field")
    return problems


def check_yaml_files(root: Path) -> list[str]:
    """Keys dbt silently ignores: a unit test nested under a model never runs."""
    problems = []
    for path in sorted(root.glob("models/**/*.yml")):
        doc = yaml.safe_load(path.read_text()) or {}
        for model in doc.get("models") or []:
            for key in ("unit_tests", "tests_unit", "unit_test"):
                if key in model:
                    problems.append(
                        f"{path}: model {model.get('name')} has a nested '{key}' key that dbt "
                        "ignores; unit tests go under the top-level 'unit_tests:' with 'model:'"
                    )
    return problems


def check_catalog(manifest: dict, catalog: dict) -> list[str]:
    problems: list[str] = []
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] != "model" or _layer(node) != "marts":
            continue
        entry = catalog.get("nodes", {}).get(uid)
        if entry is None:
            continue
        actual = {c.lower() for c in entry["columns"]}
        documented = {c.lower(): v for c, v in node.get("columns", {}).items()}
        for column in sorted(actual - documented.keys()):
            problems.append(f"{node['name']}: column {column} is not documented")
        for column in sorted(documented.keys() - actual):
            problems.append(f"{node['name']}: documented column {column} does not exist")
        for column, spec in sorted(documented.items()):
            if column in actual and not (spec.get("description") or "").strip():
                problems.append(f"{node['name']}: column {column} has no description")
        if node.get("language") == "python":
            # dbt enforces no contract on Python models: their declared types, checked here
            built = {c.lower(): v.get("type", "").lower() for c, v in entry["columns"].items()}
            for column, spec in sorted(documented.items()):
                declared = (spec.get("data_type") or "").lower()
                if column in built and declared and built[column] != declared:
                    problems.append(
                        f"{node['name']}: column {column} is {built[column]}, "
                        f"its contract says {declared}"
                    )
    return problems


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", type=Path, default=Path("target"), help="dbt target dir")
    parser.add_argument("--project-dir", type=Path, default=Path("."), help="dbt project dir")


def run(args: argparse.Namespace) -> int:
    manifest_path = args.target / "manifest.json"
    if not manifest_path.exists():
        print(f"{manifest_path} not found: run `dbt parse` first")
        return 2
    manifest = json.loads(manifest_path.read_text())
    problems = check_manifest(manifest) + check_yaml_files(args.project_dir)
    catalog_path = args.target / "catalog.json"
    if catalog_path.exists():
        problems += check_catalog(manifest, json.loads(catalog_path.read_text()))
    for p in problems:
        print(p)
    n_models = sum(1 for n in manifest["nodes"].values() if n["resource_type"] == "model")
    print(f"project lint: {n_models} models, {len(problems)} problem(s)")
    return 1 if problems else 0
