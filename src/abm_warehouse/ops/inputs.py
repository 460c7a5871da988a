"""What a warehouse was built from, and what a refresh has to rebuild.

A build's result depends on the project (models, macros, reference seeds, snapshots, tests,
the Python package its Python models import, dbt_project.yml and profiles.yml), the vars and
tool versions it ran with, the as-of date and the raw extracts. A refresh records a digest of
each in the build file (`ops.refresh_inputs`), so every published generation carries what it
was built from. A raw table is one file (`<table>.parquet|csv`, digested by content) or a
folder of immutable delta files (`<table>/**/*.parquet|csv`, each file digested by its size
and modification time). The next refresh compares:

- nothing recorded, or the project / vars / versions / raw mode changed, or a landed delta
  file changed or went away: a full build (dbt's `state:modified` does not see var changes, a
  changed macro can change anything, and incremental models cannot un-read a landed row);
- the as-of date moved backwards: refused, unless the refresh rebuilds from scratch;
- raw files changed or were added, or the as-of date moved forward: a build of those raw
  tables' descendants (`source:<system>.<table>+` and `<table>+` for the sample's seed) and of
  the models that read the as-of date and their descendants, data tests included (unit tests
  depend on the code only, which did not change); every other relation's inputs are what they
  were, so it is already what a full build would make;
- nothing changed: no build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from abm_warehouse.raw import contract

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
# ABM_AS_OF_DATE is recorded on its own (a later date is a planned build, not a full one).
NEUTRAL_ENV = frozenset(
    {
        "ABM_WAREHOUSE_PATH",
        "ABM_LIVE_WAREHOUSE",
        "ABM_REFRESH_RUN_ID",
        "ABM_RAW_EXTRACTS_PATH",  # its mode (files or seeds) is recorded, the folder is not
        "ABM_THREADS",
        "ABM_DUCKDB_MEMORY_LIMIT",
        "ABM_DBT_EXECUTABLE",
        "ABM_AS_OF_DATE",
    }
)
TOOLS = ("dbt-core", "dbt-duckdb", "duckdb", "pandas", "numpy", "narwhals")
RAW_SUFFIXES = (".parquet", ".csv")
# The macro every as-of computation goes through (macros/utils/as_of.sql).
AS_OF_MACRO = "macro.abm_warehouse.as_of_value"

FULL, CHANGED, NOTHING = "full", "changed", "nothing"


class AsOfBackwards(Exception):
    """The as-of date would move backwards: refused unless the warehouse is rebuilt."""


@dataclass(frozen=True)
class Inputs:
    """Digests of everything a build reads.

    ``raw`` maps a raw table read from one file to that file's content digest, a file of a
    table's delta folder (``<table>/<path in the folder>``) to ``<size>:<mtime_ns>``, and a
    table with no file to ``missing``.
    """

    code: str
    # "extracts" (ABM_RAW_EXTRACTS_PATH), "database" (a loader's, ABM_RAW_DATABASE_PATH) or
    # "seeds" (the committed sample)
    mode: str
    raw: Mapping[str, str] = field(default_factory=dict)
    as_of: str | None = None  # the as-of date the build used (ISO)

    def rows(self) -> list[tuple[str, str, str]]:
        """(kind, name, digest) rows for ops.refresh_inputs."""
        rows = [("code", "project", self.code), ("mode", "raw", self.mode)]
        if self.as_of is not None:
            rows.append(("as_of", "as_of_date", self.as_of))
        rows += [("raw", name, digest) for name, digest in sorted(self.raw.items())]
        return rows

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str]]) -> Inputs | None:
        code = mode = as_of = None
        raw: dict[str, str] = {}
        for kind, name, digest in rows:
            if kind == "code":
                code = digest
            elif kind == "mode":
                mode = digest
            elif kind == "as_of":
                as_of = digest
            elif kind == "raw":
                raw[name] = digest
        if code is None or mode is None:
            return None
        return cls(code, mode, raw, as_of)

    def tables(self) -> dict[str, dict[str, str]]:
        """Raw table -> {entry: digest}: '' for a single file (or 'missing'), else the
        file's path inside the table's folder."""
        out: dict[str, dict[str, str]] = {}
        for name, digest in self.raw.items():
            table, _, rest = name.partition("/")
            out.setdefault(table, {})[rest] = digest
        return out


@dataclass(frozen=True)
class Plan:
    """What a refresh builds: everything, what changed (raw tables' descendants and, when the
    as-of date moved, the models that read it and theirs), or nothing."""

    kind: str
    reason: str
    changed: tuple[str, ...] = ()
    as_of_moved: bool = False
    as_of_nodes: tuple[str, ...] = ()  # filled in by the refresh from the manifest
    full_refresh: bool = False  # a full plan that must rebuild incremental models too
    # data tests left out of a `changed` build: an enforced constraint checks the same
    excluded_tests: tuple[str, ...] = ()

    @property
    def select(self) -> list[str]:
        """dbt --select of a `changed` plan."""
        selectors: list[str] = []
        for name in self.changed:
            selectors.append(f"{name}+")  # the sample's seed (excluded when reading files)
            system = _system(name)
            if system:
                selectors.append(f"source:{system}.{name}+")
        if self.as_of_moved:
            selectors += [f"{node}+" for node in self.as_of_nodes]
        return selectors

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "reason": self.reason}
        out["changed"] = list(self.changed)
        if self.as_of_moved:
            out["as_of_moved"] = True
        if self.full_refresh:
            out["full_refresh"] = True
        if self.excluded_tests:
            out["tests_checked_by_constraints"] = len(self.excluded_tests)
        return out


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


# ---------------------------------------------------------------------------- raw locations


@dataclass(frozen=True)
class RawLocation:
    """Where one raw table is read from, as macros/staging/raw_relation.sql picks it: its one
    file (`<table>.parquet`, else `<table>.csv`), else its folder of delta files
    (`<table>/**/*.parquet|csv`, Hive partitions such as `load_date=2026-12-03/` allowed)."""

    table: str
    file: Path | None = None
    folder: Path | None = None
    files: tuple[Path, ...] = ()  # the folder's files, sorted

    @property
    def found(self) -> bool:
        return self.file is not None or bool(self.files)

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.file,) if self.file is not None else self.files


def folder_files(folder: Path) -> tuple[Path, ...]:
    """The raw files of a table's delta folder: every *.parquet / *.csv below it, hidden
    files and folders (names starting with '.' or '_', as loaders write while landing) left out."""
    if not folder.is_dir():
        return ()
    found = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if any(part.startswith((".", "_")) for part in relative.parts):
            continue
        if path.suffix.lower() in RAW_SUFFIXES and path.is_file():
            found.append(path)
    return tuple(sorted(found))


def raw_locations(project_dir: Path, extracts: str | None) -> dict[str, RawLocation]:
    """Every raw table of the contract and where it is read from."""
    locations: dict[str, RawLocation] = {}
    for table in contract.TABLES:
        if extracts:
            folder = Path(extracts)
            single = [folder / f"{table.name}.parquet", folder / f"{table.name}.csv"]
            file = next((c for c in single if c.is_file()), None)
            if file is not None:
                locations[table.name] = RawLocation(table.name, file=file)
            else:
                sub = folder / table.name
                locations[table.name] = RawLocation(table.name, folder=sub, files=folder_files(sub))
        else:
            sample = project_dir / RAW_SAMPLE_DIR / f"{table.name}.csv"
            locations[table.name] = RawLocation(
                table.name, file=sample if sample.is_file() else None
            )
    return locations


def raw_files(project_dir: Path, extracts: str | None) -> dict[str, Path | None]:
    """The one file each raw table is read from (None: missing or a folder)."""
    return {name: loc.file for name, loc in raw_locations(project_dir, extracts).items()}


def _stat_digest(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def has_rows(path: Path) -> bool:
    """Whether a delta file holds at least one row: a Parquet file's footer, a CSV file's
    second line (after the header). A sync with nothing new often lands an empty file."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(path).metadata.num_rows > 0
        except Exception:  # unreadable: let the build say what is wrong with it
            return True
    with path.open("rb") as f:
        f.readline()
        return any(line.strip() for line in f)


def raw_digests(project_dir: Path, extracts: str | None) -> dict[str, str]:
    """Inputs.raw of the raw tables as they are now. Empty files of a delta folder are left
    out: landing one changes nothing a build reads."""
    raw: dict[str, str] = {}
    for name, loc in raw_locations(project_dir, extracts).items():
        if loc.file is not None:
            raw[name] = file_digest(loc.file)
        elif loc.files:
            assert loc.folder is not None
            for path in loc.files:
                if has_rows(path):
                    raw[f"{name}/{path.relative_to(loc.folder).as_posix()}"] = _stat_digest(path)
        else:
            raw[name] = "missing"
    return raw


def current_inputs(
    project_dir: Path,
    vars_text: str | None,
    env: Mapping[str, str] | None = None,
    as_of: str | None = None,
) -> Inputs:
    env = dict(os.environ if env is None else env)
    extracts = (env.get("ABM_RAW_EXTRACTS_PATH") or "").strip() or None
    from abm_warehouse.raw import load  # a loader's database (ABM_RAW_DATABASE_PATH)

    database = None if extracts else load.database_from_env(env)
    if database is not None:
        return Inputs(
            code_digest(project_dir, vars_text, env),
            "database",
            load.database_digests(*database),
            as_of,
        )
    return Inputs(
        code_digest(project_dir, vars_text, env),
        "extracts" if extracts else "seeds",
        raw_digests(project_dir, extracts),
        as_of,
    )


# ---------------------------------------------------------------------------- the plan


def _rewritten(before: Mapping[str, str], after: Mapping[str, str]) -> bool:
    """Whether a table's files changed in a way incremental models cannot follow: a file of
    its delta folder changed or went away, or it switched between one file and a folder. A
    table that appears or goes away as a whole, and a re-exported single file, can."""
    before = {e: d for e, d in before.items() if d != "missing"}
    after = {e: d for e, d in after.items() if d != "missing"}
    if not before or not after:
        return False
    if (set(before) == {""}) != (set(after) == {""}):
        return True
    if set(after) == {""}:
        return False
    return any(after.get(entry) != digest for entry, digest in before.items())


def check_as_of_forward(live: str | None, new: str | None) -> None:
    """Raise AsOfBackwards when `new` is before the live warehouse's as-of date."""
    if live and new and dt.date.fromisoformat(new) < dt.date.fromisoformat(live):
        raise AsOfBackwards(
            f"the as-of date would move backwards, from {live} (the live warehouse) to {new}: "
            "closed months and snapshots are built forward only; pass --full-refresh to "
            "rebuild the warehouse from scratch at that date"
        )


def plan(previous: Inputs | None, current: Inputs) -> Plan:
    """What to build, from what the live warehouse was built from and what is there now.

    Raises AsOfBackwards when the as-of date moved backwards (a refresh rebuilds from scratch
    instead only when told to)."""
    if previous is None:
        return Plan(FULL, "no record of what the live warehouse was built from")
    if previous.mode != current.mode:
        return Plan(FULL, f"raw tables now read from {current.mode} (were {previous.mode})")
    if previous.code != current.code:
        return Plan(FULL, "the project, vars or tool versions changed")
    moved = False
    if previous.as_of != current.as_of:
        if previous.as_of is None or current.as_of is None:
            return Plan(FULL, "no recorded as-of date to compare with")
        check_as_of_forward(previous.as_of, current.as_of)
        moved = True
    before, after = previous.tables(), current.tables()
    names = sorted(set(before) | set(after))
    changed = tuple(n for n in names if before.get(n) != after.get(n))
    rewritten = [n for n in changed if _rewritten(before.get(n, {}), after.get(n, {}))]
    if rewritten:
        return Plan(
            FULL,
            "landed files changed or went away in "
            + ", ".join(rewritten)
            + ": rebuilding from scratch",
            tuple(rewritten),
            full_refresh=True,
        )
    if not changed and not moved:
        return Plan(NOTHING, "no raw file, project file, var, version or as-of date changed")
    parts = []
    if changed:
        parts.append(f"{len(changed)} raw table(s) changed")
    if moved:
        parts.append(f"the as-of date moved from {previous.as_of} to {current.as_of}")
    return Plan(CHANGED, "; ".join(parts), changed, as_of_moved=moved)


def as_of_dependent_nodes(manifest: Mapping[str, Any]) -> list[str]:
    """Names of the models, seeds and snapshots whose SQL reads the as-of date (directly or
    through a macro that does): what a later as-of date makes stale, before descendants."""
    macros = manifest.get("macros", {})
    reads: dict[str, bool] = {}

    def macro_reads(uid: str, seen: frozenset[str] = frozenset()) -> bool:
        if uid == AS_OF_MACRO:
            return True
        if uid in reads:
            return reads[uid]
        if uid in seen or uid not in macros:
            return False
        deps = macros[uid].get("depends_on", {}).get("macros", [])
        result = any(macro_reads(d, seen | {uid}) for d in deps)
        reads[uid] = result
        return result

    found = []
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") not in ("model", "seed", "snapshot"):
            continue
        if any(macro_reads(m) for m in node.get("depends_on", {}).get("macros", [])):
            found.append(node["name"])
    return sorted(found)


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
    as_of: str | None = None,
) -> Inputs:
    """Record the current inputs in a warehouse just fully built from them (e.g. `dbt build`
    run with the same `env`), as a refresh would have. `as_of`: the date it was built at (by
    default the one in the warehouse, intermediate.int_as_of)."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        if as_of is None:
            with_date = con.execute("select max(as_of_date) from intermediate.int_as_of").fetchone()
            as_of = with_date[0].isoformat() if with_date and with_date[0] else None
        inputs = current_inputs(project_dir, vars_text, env, as_of)
        write_recorded(con, "manual", inputs)
        con.execute("checkpoint")
    finally:
        con.close()
    return inputs
