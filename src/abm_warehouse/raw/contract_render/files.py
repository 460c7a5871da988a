"""Every rendered file, the drift check and the `abm-warehouse contract` command line."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from abm_warehouse.raw.contract import (
    KNOWN_CURRENCIES,
    TABLES,
    VERSIONED_TABLES,
)
from abm_warehouse.raw.contract_render.expectations import (
    render_stg_yml,
    render_versions_sql,
    render_versions_yml,
)
from abm_warehouse.raw.contract_render.names import SQL_HEADER, model_names
from abm_warehouse.raw.contract_render.sql import (
    render_base_sql,
    render_manifest_test,
    render_quarantine_sql,
    render_stg_sql,
)
from abm_warehouse.raw.contract_render.yml import (
    render_base_yml,
    render_quarantine_yml,
    render_seeds,
    render_sources,
)


def render_all() -> dict[Path, str]:
    files: dict[Path, str] = {}
    for system in dict.fromkeys(t.system for t in TABLES):
        files[Path(f"models/staging/{system}/_{system}__sources.yml")] = render_sources(system)
    for t in TABLES:
        m = model_names(t)
        root = Path(f"models/staging/{t.system}")
        files[root / "base" / f"{m['base']}.sql"] = render_base_sql(t)
        files[root / "base" / f"{m['base']}.yml"] = render_base_yml(t)
        files[root / f"{m['stg']}.sql"] = render_stg_sql(t)
        files[root / f"{m['stg']}.yml"] = render_stg_yml(t)
        files[root / "quarantine" / f"{m['quarantine']}.sql"] = render_quarantine_sql(t)
        files[root / "quarantine" / f"{m['quarantine']}.yml"] = render_quarantine_yml(t)
        if t.name in VERSIONED_TABLES:
            files[root / f"{m['versions']}.sql"] = render_versions_sql(t)
            files[root / f"{m['versions']}.yml"] = render_versions_yml(t)
    files[Path("seeds/raw_sample/_raw_sample__seeds.yml")] = render_seeds()
    files[Path("tests/staging/assert_staging_outcomes_match_defect_manifest.sql")] = (
        render_manifest_test()
    )
    codes = ", ".join(f"'{c}'" for c in KNOWN_CURRENCIES)
    files[Path("macros/staging/known_currencies.sql")] = (
        f"{SQL_HEADER}{{#- ISO 4217 codes the warehouse knows; others are flagged. -#}}\n"
        f"{{% macro known_currencies() -%}}\n    ({codes})\n{{%- endmacro %}}\n"
    )
    return files


def check(root: Path) -> list[str]:
    problems = []
    for rel, text in render_all().items():
        path = root / rel
        if not path.exists():
            problems.append(f"missing: {rel}")
        elif path.read_text() != text:
            diff = difflib.unified_diff(
                path.read_text().splitlines(), text.splitlines(), str(rel), "rendered", lineterm=""
            )
            problems.append("\n".join(list(diff)[:20]))
    return problems


def write(root: Path) -> int:
    n = 0
    for rel, text in render_all().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            n += 1
    return n


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true", help="write the rendered files")
    group.add_argument("--check", action="store_true", help="fail when committed files drift")
    parser.add_argument("--root", type=Path, default=Path("."), help="project root")


def run(args: argparse.Namespace) -> int:
    if args.write:
        print(f"contract: {write(args.root)} file(s) written")
        return 0
    problems = check(args.root)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print("contract: rendered files drifted; run `abm-warehouse contract --write`")
        return 1
    print(f"contract: {len(render_all())} rendered files match the contract")
    return 0
