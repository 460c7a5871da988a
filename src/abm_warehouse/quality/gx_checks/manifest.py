"""The marts of the dbt manifest, with their grain and the tests that become expectations."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from abm_warehouse.quality.gx_checks.suites import MART_PREFIXES, MART_SCHEMA


@dataclass
class MartSpec:
    """What the manifest says about one mart: columns and the dbt tests on them."""

    name: str
    columns: list[str] = field(default_factory=list)
    grain: list[str] = field(default_factory=list)
    not_null: set[str] = field(default_factory=set)
    unique: set[str] = field(default_factory=set)
    rates: set[str] = field(default_factory=set)
    # is_rate tests with a `where` that names a boolean column: the rate holds on those rows
    conditional_rates: dict[str, str] = field(default_factory=dict)
    accepted: dict[str, list[Any]] = field(default_factory=dict)


def _test_kwargs(node: dict[str, Any]) -> dict[str, Any]:
    kwargs = dict((node.get("test_metadata") or {}).get("kwargs") or {})
    kwargs.update(kwargs.pop("arguments", None) or {})
    return kwargs


def marts_from_manifest(manifest: dict[str, Any]) -> dict[str, MartSpec]:
    """Every enabled mart model (schema marts, name dim_/fct_/kpi_) and its tests."""
    marts: dict[str, MartSpec] = {}
    ids: dict[str, str] = {}
    for uid, node in manifest.get("nodes", {}).items():
        if node.get("resource_type") != "model" or node.get("schema") != MART_SCHEMA:
            continue
        if not node["name"].startswith(MART_PREFIXES):
            continue
        marts[node["name"]] = MartSpec(node["name"], columns=list(node.get("columns") or {}))
        ids[uid] = node["name"]
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "test" or not node.get("test_metadata"):
            continue
        mart = marts.get(ids.get(node.get("attached_node") or "", ""))
        if mart is None:
            continue
        name = node["test_metadata"]["name"]
        kwargs = _test_kwargs(node)
        column = node.get("column_name") or kwargs.get("column_name")
        where = (node.get("config") or {}).get("where")
        if where:
            # A test on a subset of rows: a rate whose subset is a boolean column is checked
            # on that subset; other filtered tests stay with dbt (their SQL filter has no
            # faithful pandas form here).
            if name == "is_rate" and column and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", where):
                mart.conditional_rates[column] = where
            continue
        if name == "unique_combination_of_columns":
            mart.grain = list(kwargs["combination_of_columns"])
        elif name == "unique" and column:
            mart.unique.add(column)
        elif name == "not_null" and column:
            mart.not_null.add(column)
        elif name == "is_rate" and column:
            mart.rates.add(column)
        elif name == "accepted_values" and column:
            mart.accepted[column] = list(kwargs["values"])
    for mart in marts.values():
        if not mart.grain and mart.unique:
            keys = sorted(mart.unique & mart.not_null) or sorted(mart.unique)
            mart.grain = [keys[0]]
    return dict(sorted(marts.items()))


def load_manifest(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: run `dbt parse` (or build) first, or pass --manifest"
        )
    return json.loads(path.read_text())
