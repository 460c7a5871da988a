"""`abm-warehouse` command line: one entry point, one sub-command per tool.

Each tool module exposes ``add_arguments(parser)`` and ``run(args) -> int``; modules are
imported only when their sub-command runs, so a light command stays light.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# sub-command -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "generate": (
        "abm_warehouse.raw.generator.cli",
        "write deterministic raw extracts (sample or at scale)",
    ),
    "contract": (
        "abm_warehouse.raw.contract_render",
        "render / check the sources and seed YAML from the raw contract",
    ),
    "load": (
        "abm_warehouse.raw.load",
        "land an extracts folder in a DuckDB database with dlt (full files or daily deltas)",
    ),
    "lineage": (
        "abm_warehouse.quality.column_lineage",
        "write / check the column lineage from raw contract columns to the kpi_ marts",
    ),
    "summary": ("abm_warehouse.serving.summary", "print a short KPI summary of a built warehouse"),
    "lint-project": (
        "abm_warehouse.quality.project_lint",
        "check the dbt project's structure rules on target/manifest.json (and catalog.json)",
    ),
    "interface": (
        "abm_warehouse.quality.mart_interface",
        "the marts' public interface: check breaking changes, publish the manifest, data types",
    ),
    "kpi-reference": (
        "abm_warehouse.quality.kpi_reference",
        "generate docs/kpi_reference.md from the KPI catalog (--check: coverage and drift)",
    ),
    "refresh": (
        "abm_warehouse.ops.refresh",
        "scheduled refresh: build a copy, check it, publish it atomically (or roll back)",
    ),
    "gx": (
        "abm_warehouse.quality.gx_checks",
        "run the Great Expectations suites of the marts and build Data Docs",
    ),
    "check-warnings": (
        "abm_warehouse.quality.build_warnings",
        "fail when the last dbt build (run_results.json, its JSON log) ended with warnings",
    ),
    "guard": (
        "abm_warehouse.ops.publish_guard",
        "compare a built warehouse with the live one; fail on implausible changes (publish guard)",
    ),
    "sql": (
        "abm_warehouse.serving.sql_shell",
        "query the warehouse read-only (the project's DuckDB CLI)",
    ),
    "bench": (
        "abm_warehouse.tooling.bench",
        "benchmark: build at given scales, time phases, memory, the floor, incremental refresh",
    ),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only the module of ``command`` (if given) is imported."""
    parser = argparse.ArgumentParser(prog="abm-warehouse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        if name == command:
            module = importlib.import_module(module_name)
            p.description = module.__doc__
            module.add_arguments(p)
            p.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(command if command in COMMANDS else None).parse_args(argv)
    return int(args._module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
