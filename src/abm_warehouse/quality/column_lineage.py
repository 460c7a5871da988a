"""Column-level lineage from the raw contract's columns to the ``kpi_`` marts' columns.

Derived from the project, not a hand list: every SQL model's compiled SQL (a manifest written
by ``dbt compile`` / ``dbt build``: ``compiled_code``, ephemeral models inlined as CTEs) is
parsed with sqlglot (dialect duckdb), qualified against the columns of the relations it reads
(computed the same way upstream, so ``select *`` expands), and walked scope by scope:

* a select's output column depends on the columns its expression reads, followed through CTEs,
  subqueries and set operations (``union all``: by position) to the relations the model reads;
* a column in ``where``, ``join … on`` / ``using``, ``group by``, ``having``, ``qualify`` (and
  ``order by`` under a ``limit``), or in a subquery there, is a dependency of *every* output
  column of that select: a filter changes every number;
* the base models (``stage_raw_table``) map each contract column onto itself: their bookkeeping
  (outcome, reason, row key, row hash) is the contract's own staging and depends on no column
  that is not required already; a missing required column is an error anyway;
* a model with ``meta: {lineage_role: calendar}`` (the reporting-month spine, int_months)
  contributes only a date range: nothing propagates through it;
* a Python model: every column of every input feeds every output column (its YAML columns).

The per-model dependencies compose across the graph into, for each contract column
(``<system>.<table>.<column>``), the ``kpi_`` marts and their columns that depend on it. The
lineage over-approximates (a filter column feeds everything); it does not under-approximate
unless a column cannot be resolved, which ``--write`` / ``--check`` report.

``abm-warehouse lineage --write`` compiles the project into a throw-away target (about half a
minute) and writes ``src/abm_warehouse/quality/column_lineage.json``; ``--check`` fails when the
committed file differs. ``--manifest PATH`` reuses a manifest that has ``compiled_code`` (the
one ``make test``'s build writes). ``abm-warehouse contract --write`` renders the file into the
sources YAML as column ``meta.needed_by``, which the staging macro
(macros/staging/raw_needed_columns.sql) reads: a needed column absent from a file stops the
build, naming the file, the column and the KPI families.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope

LINEAGE_FILE = Path(__file__).with_name("column_lineage.json")
STAGE_MACRO = "stage_raw_table"
DIALECT = "duckdb"
ALL = "*"  # every column of the mart depends on the contract column

Dep = tuple[str, str]  # (relation key "catalog.schema.table", column), lower case


# ---------------------------------------------------------------- one model's SQL
def relation_key(relation_name: str) -> str:
    """``"db"."schema"."table"`` -> ``db.schema.table`` (lower case)."""
    table = exp.to_table(relation_name, dialect=DIALECT)
    return _table_key(table)


def _table_key(table: exp.Table) -> str:
    return ".".join(p.lower() for p in (table.catalog, table.db, table.name) if p)


def _nested_schema(columns_by_relation: dict[str, list[str]]) -> dict:
    schema: dict = {}
    for key, columns in columns_by_relation.items():
        parts = key.split(".")
        if len(parts) != 3:
            continue
        catalog, db, name = parts
        schema.setdefault(catalog, {}).setdefault(db, {})[name] = {c: "text" for c in columns}
    return schema


class _Walk:
    """Dependencies of the output columns of one parsed, qualified query."""

    def __init__(self, root: Scope):
        self.root = root
        self.scopes = {id(s.expression): s for s in root.traverse()}
        self.memo: dict[int, dict[str, set[Dep]]] = {}
        self.unresolved: set[str] = set()

    def outputs(self, scope: Scope) -> dict[str, set[Dep]]:
        key = id(scope)
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = {}  # recursion guard (recursive CTEs)
        expression = scope.expression
        result: dict[str, set[Dep]] = {}
        if isinstance(expression, exp.SetOperation):
            branches = [self.outputs(s) for s in scope.set_operation_scopes]
            names = list(branches[0]) if branches else []
            for i, name in enumerate(names):
                deps: set[Dep] = set()
                for branch in branches:
                    values = list(branch.values())
                    if i < len(values):
                        deps |= values[i]
                    else:  # a branch with fewer columns: over-approximate
                        deps |= set().union(*values) if values else set()
                result[name] = deps
        elif isinstance(expression, exp.Select):
            common = self.clause_deps(scope, expression)
            for projection in expression.selects:
                name = projection.alias_or_name.lower()
                if isinstance(projection, exp.Star) or (
                    isinstance(projection, exp.Column) and projection.is_star
                ):
                    # a star sqlglot could not expand (unknown relation): every column it reads
                    self.unresolved.add(projection.sql(DIALECT))
                    result.setdefault(ALL, set())
                    for source in scope.selected_sources.values():
                        result[ALL].update(self.source_deps(scope, source[1]))
                    result[ALL] |= common
                    continue
                result[name] = result.get(name, set()) | self.expr_deps(scope, projection) | common
        self.memo[key] = result
        return result

    def all_deps(self, scope: Scope) -> set[Dep]:
        out: set[Dep] = set()
        for deps in self.outputs(scope).values():
            out |= deps
        return out

    def source_deps(self, scope: Scope, source) -> set[Dep]:
        if isinstance(source, Scope):
            return self.all_deps(source)
        if isinstance(source, exp.Table) and isinstance(source.this, exp.Identifier):
            return {(_table_key(source), ALL)}
        return self.expr_deps(scope, source)

    def clause_deps(self, scope: Scope, select: exp.Select) -> set[Dep]:
        parts: list[exp.Expression | None] = [
            select.args.get(k) for k in ("where", "group", "having", "qualify", "distinct")
        ]
        if select.args.get("limit") or select.args.get("offset"):
            parts.append(select.args.get("order"))
        from_ = select.args.get("from_") or select.args.get("from")
        tables = [from_.this] if from_ is not None else []
        deps: set[Dep] = set()
        for join in select.args.get("joins") or []:
            tables.append(join.this)
            parts.append(join.args.get("on"))
            for ident in join.args.get("using") or []:
                deps |= self.using_deps(scope, ident.name.lower())
        for table in tables:
            # a table function (unnest, range, a lateral) reads columns; a table or a
            # derived table is resolved through the columns that are selected from it
            plain = isinstance(table, exp.Table) and isinstance(table.this, exp.Identifier)
            if not plain and not isinstance(table, exp.Subquery):
                parts.append(table)
        for part in parts:
            if part is not None:
                deps |= self.expr_deps(scope, part)
        return deps

    def using_deps(self, scope: Scope, name: str) -> set[Dep]:
        deps: set[Dep] = set()
        for _, source in scope.selected_sources.values():
            if isinstance(source, Scope):
                deps |= self.outputs(source).get(name, set())
            elif isinstance(source, exp.Table):
                deps.add((_table_key(source), name))
        return deps

    def expr_deps(self, scope: Scope, node: exp.Expression) -> set[Dep]:
        deps: set[Dep] = set()
        stack = [node]
        while stack:
            current = stack.pop()
            if current is not node and isinstance(current, (exp.Select, exp.SetOperation)):
                child = self.scopes.get(id(current))
                if child is not None:
                    deps |= self.all_deps(child)
                    continue
            if isinstance(current, exp.Column):
                deps |= self.resolve(scope, current)
                continue
            stack.extend(current.iter_expressions())
        return deps

    def resolve(self, scope: Scope, column: exp.Column) -> set[Dep]:
        name = column.name.lower()
        table = column.table
        current: Scope | None = scope
        source = None
        while current is not None and table:
            source = current.sources.get(table)
            if source is not None:
                break
            current = current.parent
        if source is None:
            # unqualified: a lateral alias, a struct field or an unknown relation's column
            self.unresolved.add(column.sql(DIALECT))
            deps: set[Dep] = set()
            for _, candidate in scope.selected_sources.values():
                if isinstance(candidate, Scope):
                    outs = self.outputs(candidate)
                    deps |= outs.get(name) or outs.get(ALL) or set()
                elif isinstance(candidate, exp.Table):
                    deps.add((_table_key(candidate), name))
            return deps
        if isinstance(source, Scope):
            outs = self.outputs(source)
            if name in outs:
                return outs[name]
            if ALL in outs:
                return outs[ALL]
            self.unresolved.add(column.sql(DIALECT))
            return self.all_deps(source)
        if isinstance(source, exp.Table) and isinstance(source.this, exp.Identifier):
            return {(_table_key(source), name)}
        return self.expr_deps(current or scope, source)


def sql_lineage(
    sql: str, columns_by_relation: dict[str, list[str]], dialect: str = DIALECT
) -> tuple[dict[str, set[Dep]], set[str]]:
    """{output column: {(relation key, column), ...}} of one query, and what it could not
    resolve. ``columns_by_relation``: the columns of each relation the query reads (keys as
    ``relation_key``), to expand ``select *``."""
    parsed = sqlglot.parse_one(sql, dialect=dialect)
    qualified = qualify(
        parsed,
        dialect=dialect,
        schema=_nested_schema(columns_by_relation),
        validate_qualify_columns=False,
        quote_identifiers=False,
        identify=False,
    )
    root = build_scope(qualified)
    if root is None:
        return {}, set()
    walk = _Walk(root)
    return walk.outputs(root), walk.unresolved


# ---------------------------------------------------------------- the project's graph
def _meta(node: dict) -> dict:
    return ((node.get("config") or {}).get("meta") or {}) | (node.get("meta") or {})


def _seed_columns(node: dict, project_root: Path) -> list[str]:
    path = project_root / node["original_file_path"]
    if path.exists():
        header = path.read_text(encoding="utf-8-sig").splitlines()[:1]
        if header:
            return [c.strip().strip('"').lower() for c in header[0].split(",")]
    return [c.lower() for c in node.get("columns", {})]


SNAPSHOT_COLUMNS = ("dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to")


def _snapshot_columns(node: dict, deps: dict[str, set[Dep]]) -> dict[str, set[Dep]]:
    """A snapshot's own columns (validity, scd id) depend on its unique key and on what its
    strategy compares: ``updated_at`` (timestamp) or ``check_cols`` (check; "all": every one)."""
    config = node.get("config") or {}
    names = config.get("snapshot_meta_column_names") or {}
    keys = config.get("unique_key") or []
    compared = [keys] if isinstance(keys, str) else list(keys)
    if config.get("strategy") == "check":
        check = config.get("check_cols") or "all"
        compared += list(deps) if check == "all" else list(check)
    elif config.get("updated_at"):
        compared.append(config["updated_at"])
    found: set[Dep] = set()
    for column in compared:
        column = column.lower()
        found |= deps.get(column, set().union(*deps.values()) if deps else set())
    return {(names.get(c) or c).lower(): set(found) for c in SNAPSHOT_COLUMNS}


class ProjectLineage:
    """Per-node output columns and their contract-column dependencies, from a manifest."""

    def __init__(self, manifest: dict, project_root: Path = Path(".")):
        self.manifest = manifest
        self.root = project_root
        self.nodes = {**manifest["nodes"], **manifest["sources"]}
        project = manifest["metadata"].get("project_name") or next(
            n["package_name"] for n in manifest["nodes"].values()
        )
        self.stage_macro = f"macro.{project}.{STAGE_MACRO}"
        self.by_relation: dict[str, str] = {}
        for uid, node in self.nodes.items():
            if node.get("relation_name") and node["resource_type"] in (
                "model",
                "seed",
                "snapshot",
                "source",
            ):
                # a seed and a source may share a relation (the raw sample): the source wins
                key = relation_key(node["relation_name"])
                if node["resource_type"] == "source" or key not in self.by_relation:
                    self.by_relation[key] = uid
        self.columns: dict[str, list[str]] = {}
        self.deps: dict[str, dict[str, set[Dep]]] = {}
        self.unresolved: dict[str, set[str]] = {}
        self._raw: dict[tuple[str, str], frozenset[str]] = {}

    # -- columns and direct dependencies of a node
    def node_columns(self, uid: str) -> list[str]:
        if uid not in self.columns:
            self._analyse(uid)
        return self.columns[uid]

    def _parents(self, uid: str) -> list[str]:
        return list((self.nodes[uid].get("depends_on") or {}).get("nodes") or [])

    def _analyse(self, uid: str) -> None:
        node = self.nodes[uid]
        kind = node["resource_type"]
        self.columns[uid] = []  # recursion guard
        if kind == "source":
            self.columns[uid] = [c.lower() for c in node.get("columns", {})]
            self.deps[uid] = {}
            return
        if kind == "seed":
            self.columns[uid] = _seed_columns(node, self.root)
            self.deps[uid] = {}
            return
        if node.get("language") == "python":
            inputs: set[Dep] = set()
            for parent in self._parents(uid):
                key = self._key_of(parent)
                inputs |= {(key, c) for c in self.node_columns(parent)}
            outputs = [c.lower() for c in node.get("columns", {})] or [ALL]
            self.columns[uid] = outputs
            self.deps[uid] = {c: set(inputs) for c in outputs}
            return
        code = node.get("compiled_code")
        if code is None:
            raise ValueError(
                f"{uid} has no compiled_code: use the manifest of `dbt compile` or `dbt build`"
            )
        schema: dict[str, list[str]] = {}
        for parent in self._relations_read(uid):
            columns = self.node_columns(parent)
            if columns:
                schema[self._key_of(parent)] = columns
        deps, unresolved = sql_lineage(code, schema)
        if self._is_base(node):
            unresolved = set()  # its dependencies are not read (raw_columns): names only
        if kind == "snapshot":
            deps = {**deps, **_snapshot_columns(node, deps)}
        self.columns[uid] = list(deps)
        self.deps[uid] = deps
        if unresolved:
            self.unresolved[uid] = unresolved

    def _is_base(self, node: dict) -> bool:
        """A base model: stage_raw_table over one source."""
        return self.stage_macro in (node.get("depends_on") or {}).get("macros", [])

    def _relations_read(self, uid: str) -> list[str]:
        """The parents a node's compiled SQL names: an ephemeral parent is inlined as a CTE,
        so its own parents are read instead."""
        found: list[str] = []
        for parent in self._parents(uid):
            if parent not in self.nodes:
                continue
            if self.nodes[parent].get("relation_name"):
                found.append(parent)
            else:
                found.extend(p for p in self._relations_read(parent) if p not in found)
        return found

    def _key_of(self, uid: str) -> str:
        return relation_key(self.nodes[uid]["relation_name"])

    # -- composition down to contract columns
    def raw_columns(self, uid: str, column: str) -> frozenset[str]:
        """The contract columns (``system.table.column``) a node's column depends on."""
        memo_key = (uid, column)
        if memo_key in self._raw:
            return self._raw[memo_key]
        self._raw[memo_key] = frozenset()  # recursion guard
        node = self.nodes[uid]
        found: set[str] = set()
        if node["resource_type"] == "source":
            names = [column] if column != ALL else self.node_columns(uid)
            found = {f"{node['source_name']}.{node['name']}.{c}" for c in names}
        elif _meta(node).get("lineage_role") == "calendar":
            found = set()
        elif self._is_base(node):
            sources = [p for p in self._parents(uid) if p.startswith("source.")]
            for parent in sources:
                names = self.node_columns(parent)
                for c in names if column == ALL else [column]:
                    if c in names:
                        found |= self.raw_columns(parent, c)
        elif node["resource_type"] == "seed":
            found = set()
        else:
            self.node_columns(uid)
            deps = self.deps.get(uid, {})
            if column == ALL:
                selected = set().union(*deps.values()) if deps else set()
            else:
                selected = deps[column] if column in deps else deps.get(ALL)
                if selected is None:
                    self.unresolved.setdefault(uid, set()).add(f"{column} (read downstream)")
                    selected = set().union(*deps.values()) if deps else set()
            for key, c in selected:
                parent = self.by_relation.get(key)
                if parent is None:
                    continue  # a CTE name or table function that is not a project relation
                found |= self.raw_columns(parent, c)
        result = frozenset(found)
        self._raw[memo_key] = result
        return result

    def kpi_marts(self) -> list[str]:
        return sorted(
            uid
            for uid, n in self.manifest["nodes"].items()
            if n["resource_type"] == "model"
            and n["name"].startswith("kpi_")
            and (n.get("config") or {}).get("enabled", True)
        )

    def needed_by(self) -> dict[str, dict[str, list[str]]]:
        """{contract column: {kpi_ mart: [its columns that depend on it] or ["*"]}} for every
        column of every source (an empty dict: no KPI needs it)."""
        result: dict[str, dict[str, set[str]]] = {}
        for _, node in sorted(self.manifest["sources"].items()):
            for column in node.get("columns", {}):
                result[f"{node['source_name']}.{node['name']}.{column.lower()}"] = {}
        for uid in self.kpi_marts():
            mart = self.nodes[uid]["name"]
            for column in self.node_columns(uid):
                for raw in self.raw_columns(uid, column):
                    result.setdefault(raw, {}).setdefault(mart, set()).add(column)
        out: dict[str, dict[str, list[str]]] = {}
        for raw in sorted(result):
            out[raw] = {}
            for mart in sorted(result[raw]):
                columns = result[raw][mart]
                every = set(self.columns[f"model.{self._project()}.{mart}"])
                out[raw][mart] = [ALL] if columns >= every else sorted(columns)
        return out

    def _project(self) -> str:
        return self.stage_macro.split(".")[1]


def compute(manifest: dict, project_root: Path = Path(".")) -> tuple[dict, dict[str, set[str]]]:
    """The lineage document written to column_lineage.json, and the unresolved references."""
    lineage = ProjectLineage(manifest, project_root)
    columns = lineage.needed_by()
    document = {
        "about": "Generated by `abm-warehouse lineage --write` "
        "(src/abm_warehouse/quality/column_lineage.py) from the project's compiled SQL: "
        "for each raw contract column, the kpi_ marts whose "
        'columns depend on it, and those columns ("*": every column of the mart). Rendered '
        "into the sources YAML as meta.needed_by by `abm-warehouse contract --write`.",
        "columns": columns,
    }
    return document, lineage.unresolved


def dumps(document: dict) -> str:
    """One line per mart: readable diffs, a file of a few hundred KB at most."""
    lines = ["{", f'  "about": {json.dumps(document["about"])},', '  "columns": {']
    entries = list(document["columns"].items())
    for i, (raw, marts) in enumerate(entries):
        comma = "," if i < len(entries) - 1 else ""
        if not marts:
            lines.append(f"    {json.dumps(raw)}: {{}}{comma}")
            continue
        lines.append(f"    {json.dumps(raw)}: {{")
        items = list(marts.items())
        for j, (mart, columns) in enumerate(items):
            inner = "," if j < len(items) - 1 else ""
            lines.append(f"      {json.dumps(mart)}: {json.dumps(columns)}{inner}")
        lines.append(f"    }}{comma}")
    lines += ["  }", "}", ""]
    return "\n".join(lines)


def load(path: Path = LINEAGE_FILE) -> dict[str, dict[str, list[str]]]:
    """{contract column: {kpi_ mart: [columns]}} of the committed lineage ({} if none)."""
    if not path.exists():
        return {}
    return json.loads(path.read_text())["columns"]


def needed_by(column: str, lineage: dict[str, dict[str, list[str]]] | None = None) -> list[str]:
    """The kpi_ marts that need a contract column (``system.table.column``)."""
    return sorted((load() if lineage is None else lineage).get(column, {}))


# ---------------------------------------------------------------- compile and CLI
def compile_manifest(project_root: Path, dbt: str, workdir: Path) -> dict:
    """``dbt compile`` of the whole project into ``workdir`` (its own target, logs and an empty
    DuckDB file), reading the committed sample's CSV files as extracts so that nothing needs
    to be seeded first."""
    env = dict(
        os.environ,
        ABM_WAREHOUSE_PATH=str(workdir / "lineage.duckdb"),
        ABM_RAW_EXTRACTS_PATH=str((project_root / "seeds" / "raw_sample").resolve()),
    )
    command = [
        dbt,
        "compile",
        "--profiles-dir",
        ".",
        "--project-dir",
        ".",
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
        "--quiet",
    ]
    result = subprocess.run(
        command, cwd=project_root, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt compile failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    return json.loads((workdir / "target" / "manifest.json").read_text())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true", help="write column_lineage.json")
    group.add_argument("--check", action="store_true", help="fail when column_lineage.json differs")
    parser.add_argument(
        "--manifest",
        type=Path,
        help="a manifest.json with compiled_code (dbt compile / build); default: compile now",
    )
    parser.add_argument("--root", type=Path, default=Path("."), help="project root")
    parser.add_argument("--out", type=Path, default=LINEAGE_FILE, help="the lineage file")
    parser.add_argument(
        "--dbt", default=str(Path(sys.executable).with_name("dbt")), help="the dbt executable"
    )


def _summary(columns: dict[str, dict[str, list[str]]]) -> str:
    needed = sum(1 for marts in columns.values() if marts)
    return f"{needed} of {len(columns)} contract columns feed a kpi_ mart"


def _print_unresolved(unresolved: dict[str, set[str]]) -> None:
    for uid in sorted(unresolved):
        shown = ", ".join(sorted(unresolved[uid])[:8])
        print(f"lineage: {uid}: unresolved references (over-approximated): {shown}")


def run(args: argparse.Namespace) -> int:
    if args.manifest:
        manifest = json.loads(args.manifest.read_text())
    else:
        with tempfile.TemporaryDirectory(prefix="abm-lineage-") as tmp:
            manifest = compile_manifest(args.root, args.dbt, Path(tmp))
    document, unresolved = compute(manifest, args.root)
    _print_unresolved(unresolved)
    text = dumps(document)
    if args.write:
        args.out.write_text(text)
        print(f"lineage: {args.out} written ({_summary(document['columns'])})")
        return 0
    committed = args.out.read_text() if args.out.exists() else ""
    if committed != text:
        old = json.loads(committed)["columns"] if committed else {}
        changed = _changed(old, document["columns"])
        print(
            f"lineage: {args.out} differs from the project's lineage ({', '.join(changed[:10])}"
            f"{', ...' if len(changed) > 10 else ''}); run `abm-warehouse lineage --write` then "
            "`abm-warehouse contract --write`",
            file=sys.stderr,
        )
        return 1
    print(f"lineage: {args.out} matches the project ({_summary(document['columns'])})")
    return 0


def _changed(old: dict, new: dict) -> list[str]:
    keys: Iterable[str] = sorted(set(old) | set(new))
    return [k for k in keys if old.get(k) != new.get(k)]
