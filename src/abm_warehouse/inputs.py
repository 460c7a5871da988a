"""What a warehouse was built from, and what a refresh has to rebuild.

A build's result depends on the project (models, macros, reference seeds, snapshots, tests,
the Python package its Python models import, dbt_project.yml and profiles.yml), the vars and
tool versions it ran with, and the raw extracts. A refresh records a digest of each in the
build file (`ops.refresh_inputs`), so every published generation carries what it was built
from. The next refresh compares:

- nothing recorded, or the project / vars / versions / raw mode changed: a full build
  (dbt's `state:modified` does not see var changes, and a changed macro can change anything);
- only raw files changed: a build of those raw tables' descendants (`source:<system>.<table>+`
  and `<table>+` for the sample's seed), tests included; every other relation's inputs are
  byte for byte what they were, so it is already what a full build would make;
- nothing changed: no build.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from abm_warehouse import contract

# Project paths whose change can change any relation: a change means a full build.
CODE_PATHS = (
    "dbt_project.yml",
    "profiles.yml",
    "packages.yml",
    "dependencies.yml",
    "models",
    "macros",
    "seeds",
    "snapshots",
    "tests",
    "src/abm_warehouse",
)
RAW_SAMPLE_DIR = Path("seeds") / "raw_sample"
SKIPPED_PARTS = frozenset({"__pycache__", ".pytest_cache"})
# ABM_* variables that choose where or how fast to build, never what: not part of the digest.
NEUTRAL_ENV = frozenset(
    {
        "ABM_WAREHOUSE_PATH",
        "ABM_LIVE_WAREHOUSE",
        "ABM_REFRESH_RUN_ID",
        "ABM_RAW_EXTRACTS_PATH",  # its mode (files or seeds) is recorded, the folder is not
        "ABM_THREADS",
        "ABM_DUCKDB_MEMORY_LIMIT",
        "ABM_DBT_EXECUTABLE",
    }
)
TOOLS = ("dbt-core", "dbt-duckdb", "duckdb", "pandas", "numpy", "narwhals")

FULL, CHANGED, NOTHING = "full", "changed", "nothing"


@dataclass(frozen=True)
class Inputs:
    """Digests of everything a build reads."""

    code: str
    mode: str  # "extracts" (ABM_RAW_EXTRACTS_PATH) or "seeds" (the committed sample)
    raw: Mapping[str, str] = field(default_factory=dict)  # raw table -> file digest

    def rows(self) -> list[tuple[str, str, str]]:
        """(kind, name, digest) rows for ops.refresh_inputs."""
        return [
            ("code", "project", self.code),
            ("mode", "raw", self.mode),
            *(("raw", name, digest) for name, digest in sorted(self.raw.items())),
        ]

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str]]) -> Inputs | None:
        code = mode = None
        raw: dict[str, str] = {}
        for kind, name, digest in rows:
            if kind == "code":
                code = digest
            elif kind == "mode":
                mode = digest
            elif kind == "raw":
                raw[name] = digest
        if code is None or mode is None:
            return None
        return cls(code, mode, raw)


@dataclass(frozen=True)
class Plan:
    """What a refresh builds: everything, the descendants of changed raw tables, or nothing."""

    kind: str
    reason: str
    changed: tuple[str, ...] = ()

    @property
    def select(self) -> list[str]:
        """dbt --select of a `changed` plan."""
        selectors: list[str] = []
        for name in self.changed:
            selectors.append(f"{name}+")  # the sample's seed (excluded when reading files)
            system = _system(name)
            if system:
                selectors.append(f"source:{system}.{name}+")
        return selectors

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "reason": self.reason, "changed": list(self.changed)}


def _system(table: str) -> str | None:
    try:
        return contract.table(table).system
    except KeyError:
        return None


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _code_files(project_dir: Path) -> Iterable[Path]:
    raw_names = {t.name for t in contract.TABLES}
    for rel in CODE_PATHS:
        root = project_dir / rel
        if root.is_file():
            yield root
        elif root.is_dir():
            for path in sorted(root.rglob("*")):
                if not path.is_file() or SKIPPED_PARTS & set(path.parts):
                    continue
                relative = path.relative_to(project_dir)
                if relative.parent == RAW_SAMPLE_DIR and path.stem in raw_names:
                    continue  # a raw table of the sample: an input, digested on its own
                yield path


def code_digest(project_dir: Path, vars_text: str | None, env: Mapping[str, str]) -> str:
    """One digest of the project's files, the vars, the tool versions and the ABM_* settings."""
    from importlib import metadata

    digest = hashlib.sha256()
    for path in _code_files(project_dir):
        digest.update(str(path.relative_to(project_dir)).encode() + b"\0")
        digest.update(file_digest(path).encode() + b"\n")
    versions = {}
    for tool in TOOLS:
        try:
            versions[tool] = metadata.version(tool)
        except metadata.PackageNotFoundError:
            versions[tool] = None
    settings = {
        k: v for k, v in sorted(env.items()) if k.startswith("ABM_") and k not in NEUTRAL_ENV
    }
    extra = {"vars": vars_text or "", "versions": versions, "env": settings}
    digest.update(json.dumps(extra, sort_keys=True).encode())
    return digest.hexdigest()


def raw_files(project_dir: Path, extracts: str | None) -> dict[str, Path | None]:
    """The file each raw table is read from (None: missing), as macros/raw_relation.sql picks."""
    files: dict[str, Path | None] = {}
    for table in contract.TABLES:
        if extracts:
            folder = Path(extracts)
            candidates = [folder / f"{table.name}.parquet", folder / f"{table.name}.csv"]
        else:
            candidates = [project_dir / RAW_SAMPLE_DIR / f"{table.name}.csv"]
        files[table.name] = next((c for c in candidates if c.is_file()), None)
    return files


def current_inputs(
    project_dir: Path, vars_text: str | None, env: Mapping[str, str] | None = None
) -> Inputs:
    env = dict(os.environ if env is None else env)
    extracts = (env.get("ABM_RAW_EXTRACTS_PATH") or "").strip() or None
    raw = {
        name: (file_digest(path) if path else "missing")
        for name, path in raw_files(project_dir, extracts).items()
    }
    return Inputs(
        code_digest(project_dir, vars_text, env), "extracts" if extracts else "seeds", raw
    )


def plan(previous: Inputs | None, current: Inputs) -> Plan:
    if previous is None:
        return Plan(FULL, "no record of what the live warehouse was built from")
    if previous.mode != current.mode:
        return Plan(FULL, f"raw tables now read from {current.mode} (were {previous.mode})")
    if previous.code != current.code:
        return Plan(FULL, "the project, vars or tool versions changed")
    names = sorted(set(previous.raw) | set(current.raw))
    changed = tuple(n for n in names if previous.raw.get(n) != current.raw.get(n))
    if not changed:
        return Plan(NOTHING, "no raw file, project file, var or version changed")
    return Plan(CHANGED, f"{len(changed)} raw table(s) changed", changed)


# ---------------------------------------------------------------------------- in the warehouse

INPUTS_DDL = (
    "create schema if not exists ops",
    """create table if not exists ops.refresh_inputs (
        run_id varchar,
        kind varchar,
        name varchar,
        digest varchar
    )""",
)


def read_recorded(con: Any) -> Inputs | None:
    """The inputs recorded in a warehouse (None when it has none)."""
    try:
        rows = con.execute("select kind, name, digest from ops.refresh_inputs").fetchall()
    except Exception:  # no ops schema or table: never recorded
        return None
    return Inputs.from_rows(rows)


def write_recorded(con: Any, run_id: str, inputs: Inputs | None) -> None:
    """Replace the record (None: clear it, e.g. after a partial build with --select)."""
    for ddl in INPUTS_DDL:
        con.execute(ddl)
    con.execute("delete from ops.refresh_inputs")
    if inputs is not None:
        con.executemany(
            "insert into ops.refresh_inputs values (?, ?, ?, ?)",
            [[run_id, kind, name, digest] for kind, name, digest in inputs.rows()],
        )


def record_build(
    warehouse: Path,
    project_dir: Path,
    vars_text: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Inputs:
    """Record the current inputs in a warehouse just fully built from them (e.g. `dbt build`
    run with the same `env`), as a refresh would have."""
    import duckdb

    inputs = current_inputs(project_dir, vars_text, env)
    con = duckdb.connect(str(warehouse))
    try:
        write_recorded(con, "manual", inputs)
        con.execute("checkpoint")
    finally:
        con.close()
    return inputs
