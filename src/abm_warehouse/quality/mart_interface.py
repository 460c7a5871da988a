"""The marts as a public interface: contracts' data types, the published manifest, breaking changes.

Every mart is ``access: public`` with an enforced dbt contract (dbt_project.yml): its YAML lists
each column's ``data_type`` and the constraints DuckDB enforces. Three actions:

* ``data-types --warehouse FILE``: write each mart column's ``data_type`` (from the built
  warehouse's information_schema) and its constraints into the mart YAML files: ``not_null``
  where the column has a ``not_null`` test, ``primary_key`` where it has ``unique`` + ``not_null``
  and the mart is small (a DuckDB PRIMARY KEY builds an ART index: not on the event-scale marts
  of LARGE_MARTS, whose uniqueness stays a data test; DECISIONLOG.md), and a model-level
  composite ``primary_key`` where a small SQL mart's grain test (``unique_combination_of_columns``)
  names only not_null-tested columns.
* ``publish``: write the public models of ``target/manifest.json`` (after ``dbt parse``) to
  ``ops/published/manifest.json``, the interface of the last release (run when a release is cut).
* ``check``: compare the project with the published manifest. dbt's own breaking-change
  detection (``dbt ls --select state:modified.contract --state ops/published``) names every
  contracted model whose columns were removed or retyped or whose enforced constraints were
  dropped; such a change fails unless it is versioned (the old contract kept as a model version
  with a ``deprecation_date``, docs/interface.md). A public model that disappeared fails unless
  it was past its deprecation date, and the Python marts (which dbt cannot contract) get the same
  column rule here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

PUBLISHED = Path("ops/published/manifest.json")
# Marts whose rows grow with events or days (tens of millions at enterprise scale): no PRIMARY
# KEY constraint (an ART index in DuckDB: memory and build time); unique + not_null data tests.
LARGE_MARTS = frozenset(
    {
        "fct_page_views",
        "fct_web_sessions",
        "fct_email_sends",
        "fct_account_engagement_events",
        "fct_touchpoints",
        "fct_account_daily",
        "fct_account_monthly",
        "fct_pipeline_daily",
        "fct_lead_score_changes",
        "fct_attribution",
    }
)
# A not_null test limited to the rows of the last incremental run (for cost) holds for every row.
WHOLE_TABLE_WHERE = {None, "rows_written_by_last_run"}
# A build's manifest carries the compiled SQL: not part of the interface.
COMPILED_FIELDS_CLEARED = {
    "compiled": False,
    "compiled_path": None,
    "build_path": None,
    "extra_ctes": [],
    "extra_ctes_injected": False,
}
MANIFEST_COLLECTIONS = [
    "sources",
    "macros",
    "docs",
    "exposures",
    "metrics",
    "groups",
    "selectors",
    "disabled",
    "saved_queries",
    "semantic_models",
    "unit_tests",
    "functions",
]


def _is_mart(node: dict) -> bool:
    return node["resource_type"] == "model" and node["original_file_path"].startswith(
        "models/marts/"
    )


def _marts(manifest: dict) -> dict[str, dict]:
    return {uid: n for uid, n in manifest["nodes"].items() if _is_mart(n)}


# ------------------------------------------------------------------ data types and constraints
def column_constraints(manifest: dict) -> dict[str, dict[str, list[str]]]:
    """{mart name: {column: [constraint types]}} from the marts' data tests."""
    tests: dict[str, dict[str, set[str]]] = {}
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        column = node.get("column_name")
        attached = node.get("attached_node") or ""
        if (
            node["resource_type"] != "test"
            or not column
            or meta.get("name")
            not in (
                "unique",
                "not_null",
            )
        ):
            continue
        if node["config"].get("where") not in WHOLE_TABLE_WHERE:
            continue
        # unique under a `where` is not table-wide uniqueness (a primary key needs it unfiltered)
        if meta["name"] == "unique" and node["config"].get("where"):
            continue
        tests.setdefault(attached, {}).setdefault(column.lower(), set()).add(meta["name"])
    out: dict[str, dict[str, list[str]]] = {}
    for uid, node in _marts(manifest).items():
        by_column = tests.get(uid, {})
        keys = [c for c, names in by_column.items() if names >= {"unique", "not_null"}]
        pk = keys[0] if len(keys) == 1 and node["name"] not in LARGE_MARTS else None
        out[node["name"]] = {
            c: (["not_null", "primary_key"] if c == pk else ["not_null"])
            for c, names in by_column.items()
            if "not_null" in names
        }
    return out


def model_primary_keys(manifest: dict) -> dict[str, list[str]]:
    """{mart name: [columns]}: a composite primary key (a model-level constraint) where a small
    SQL mart's grain is a `unique_combination_of_columns` test on the whole table and every
    column of it is not_null (a PRIMARY KEY column is NOT NULL), and no column is a key alone."""
    columns = column_constraints(manifest)
    marts = _marts(manifest)
    out: dict[str, list[str]] = {}
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        mart = marts.get(node.get("attached_node") or "")
        if (
            node["resource_type"] != "test"
            or meta.get("name") != "unique_combination_of_columns"
            or node["config"].get("where")
            or mart is None
            or mart["name"] in LARGE_MARTS
            or mart.get("language") == "python"
        ):
            continue
        grain = [str(c).lower() for c in (meta.get("kwargs") or {}).get("combination_of_columns")]
        own = columns.get(mart["name"], {})
        if any("primary_key" in types for types in own.values()):
            continue
        if grain and all("not_null" in own.get(c, []) for c in grain):
            out[mart["name"]] = grain
    return out


def warehouse_types(warehouse: Path, schema: str = "marts") -> dict[str, dict[str, str]]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = ? order by table_name, ordinal_position",
            [schema],
        ).fetchall()
    finally:
        con.close()
    out: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        out.setdefault(table.lower(), {})[column.lower()] = data_type.lower()
    return out


def _constraints_flow(types: list[str]) -> str:
    return "[" + ", ".join(f"{{type: {t}}}" for t in types) + "]"


def rewrite_yaml(
    text: str,
    model: str,
    types: dict[str, str],
    constraints: dict[str, list[str]],
    primary_key: list[str] | None = None,
):
    """The YAML text with data_type / constraints lines of ``model``'s columns (re)written.

    Line-based (comments and layout stay): each column entry gets ``data_type`` and, when it has
    any, a one-line ``constraints`` right after its ``name``; the model gets a one-line
    ``constraints`` with its composite ``primary_key`` (when given) right before its
    ``columns``. Returns (text, problems)."""
    doc = YAML().load(text)
    lines = text.split("\n")
    problems: list[str] = []
    entry = next((m for m in doc.get("models") or [] if m.get("name") == model), None)
    if entry is None:
        return text, [f"{model}: no YAML entry"]
    columns = entry.get("columns") or []
    documented = {str(c["name"]).lower() for c in columns}
    for missing in sorted(types.keys() - documented):
        problems.append(f"{model}: column {missing} is built but not in the YAML")
    edits = []  # (line index of `name:`, indent, lines to drop, new lines)
    for column in columns:
        name = str(column["name"]).lower()
        line, col = column.lc.key("name")
        indent = " " * col
        drop = [column.lc.key(k)[0] for k in ("data_type", "constraints") if k in column]
        if any("\n" in str(column[k]) for k in ("data_type",) if k in column):
            problems.append(f"{model}.{name}: multi-line data_type")
        new = []
        if name in types:
            new.append(f"{indent}data_type: {types[name]}")
        else:
            problems.append(f"{model}: documented column {name} is not built")
        if constraints.get(name):
            new.append(f"{indent}constraints: {_constraints_flow(constraints[name])}")
        edits.append((line, drop, new))
    if "columns" in entry:
        line, col = entry.lc.key("columns")
        drop = [entry.lc.key("constraints")[0]] if "constraints" in entry else []
        new = []
        if primary_key:
            key = ", ".join(primary_key)
            new.append(f"{' ' * col}constraints: [{{type: primary_key, columns: [{key}]}}]")
        # inserted before the `columns:` line (edits insert after their line)
        edits.append((line - 1, drop, new))
    for line, drop, new in sorted(edits, reverse=True):
        for d in sorted(drop, reverse=True):
            if not lines[d].lstrip().startswith(("data_type:", "constraints:")):
                problems.append(f"{model}: line {d + 1} is not a one-line data_type/constraints")
                continue
            del lines[d]
        at = line + 1 - sum(1 for d in drop if d <= line)
        lines[at:at] = new
    return "\n".join(lines), problems


def write_data_types(manifest: dict, warehouse: Path, project_dir: Path) -> list[str]:
    built = warehouse_types(warehouse)
    constraints = column_constraints(manifest)
    primary_keys = model_primary_keys(manifest)
    problems: list[str] = []
    for node in sorted(_marts(manifest).values(), key=lambda n: n["name"]):
        name = node["name"]
        table = (node.get("alias") or name).lower()
        if table not in built:
            problems.append(f"{name}: not in the warehouse's marts schema")
            continue
        patch = (node.get("patch_path") or "").split("://", 1)[-1]
        path = project_dir / patch
        is_python = node.get("language") == "python"
        text, found = rewrite_yaml(
            path.read_text(),
            name,
            built[table],
            {} if is_python else constraints.get(name, {}),
            primary_keys.get(name),
        )
        problems += found
        path.write_text(text)
    return problems


# ------------------------------------------------------------------ published manifest
def published_manifest(manifest: dict) -> dict:
    """The manifest's public models alone: what --state needs to judge their contracts."""
    nodes = {
        uid: {**n, **COMPILED_FIELDS_CLEARED}
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] == "model" and n.get("access") == "public"
    }
    for node in nodes.values():
        node.pop("compiled_code", None)
    metadata = {**manifest["metadata"], "user_id": None, "send_anonymous_usage_stats": False}
    out = {"metadata": metadata, "nodes": nodes}
    out.update({k: {} for k in MANIFEST_COLLECTIONS})
    out.update(parent_map=None, child_map=None, group_map=None)
    return out


# ------------------------------------------------------------------ breaking-change check
def run_dbt_state_check(
    project_dir: Path, state_dir: Path, target_path: Path, dbt: str
) -> tuple[int, list[dict]]:
    """dbt's breaking-change detection; returns (exit code, its JSON log events)."""
    cmd = [
        dbt,
        "--log-format",
        "json",
        "ls",
        "--profiles-dir",
        str(project_dir),
        "--project-dir",
        str(project_dir),
        "--target-path",
        str(target_path),
        "--resource-type",
        "model",
        "--select",
        "state:modified.contract",
        "--state",
        str(state_dir),
    ]
    # the environment of `make parse` (same profile): dbt reuses its partial parse
    proc = subprocess.run(cmd, capture_output=True, text=True)
    events = []
    for line in proc.stdout.splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            events.append({"info": {"name": "Text", "msg": line}})
    return proc.returncode, events


def _columns(node: dict) -> dict[str, str | None]:
    columns = node["columns"].items()
    return {c.lower(): (v.get("data_type") or "").lower() or None for c, v in columns}


def _base_type(t: str | None) -> str | None:
    return t.partition("(")[0].strip() if t else t


def contract_breaks(old: dict, new: dict) -> list[str]:
    """Columns of ``old`` removed or retyped in ``new`` (dbt's rule, size/precision aside)."""
    out = []
    new_columns = _columns(new)
    for column, data_type in sorted(_columns(old).items()):
        if column not in new_columns:
            out.append(f"column {column} removed")
        elif _base_type(new_columns[column]) != _base_type(data_type):
            out.append(f"column {column} retyped {data_type} -> {new_columns[column]}")
    return out


def _past(date: str | None, today: dt.date) -> bool:
    return bool(date) and dt.date.fromisoformat(str(date)[:10]) <= today


def judge(
    published: dict, current: dict, events: list[dict], today: dt.date | None = None
) -> list[str]:
    """Problems: unversioned breaking changes (dbt's events and the checks dbt does not make)."""
    today = today or dt.date.today()
    project = current["metadata"].get("project_name")
    now = {uid: n for uid, n in current["nodes"].items() if n["resource_type"] == "model"}
    by_name: dict[str, list[dict]] = {}
    for n in now.values():
        by_name.setdefault(n["name"], []).append(n)
    problems: list[str] = []
    for event in events:
        info, data = event.get("info", {}), event.get("data", {})
        if info.get("name") != "UnversionedBreakingChange":
            continue
        model = data.get("model_name")
        changes = data.get("breaking_changes") or [info.get("msg", "")]
        if all("was deleted or renamed" in c for c in changes) and by_name.get(model):
            continue  # became versioned: judged below with every version
        problems.append(
            f"{model} ({data.get('model_file_path')}): unversioned breaking change of its "
            f"enforced contract: {'; '.join(' '.join(c.split()) for c in changes)}"
        )
    for uid, old in sorted(published["nodes"].items()):
        if old.get("package_name") != project:
            continue
        if uid in now:
            if not old["config"]["contract"]["enforced"]:
                # not contracted (the Python marts): dbt does not compare them; its rule here
                breaks = contract_breaks(old, now[uid])
                if breaks:
                    problems.append(
                        f"{old['name']} ({old['original_file_path']}): unversioned breaking "
                        f"change: {'; '.join(breaks)}"
                    )
            continue
        if _past(old.get("deprecation_date"), today):
            continue  # retired on its announced date
        versions = by_name.get(old["name"], [])
        if not versions:
            problems.append(
                f"{old['name']} ({old['original_file_path']}): a public model of the published "
                "interface was deleted, renamed or disabled (deprecate it as a version first)"
            )
        elif old.get("version") is None and not any(not contract_breaks(old, v) for v in versions):
            problems.append(
                f"{old['name']}: became versioned, but no version keeps its published columns "
                "(keep the old SQL and YAML as the old version)"
            )
    for name, versions in sorted(by_name.items()):
        latest = {v.get("latest_version") for v in versions}
        if len(versions) < 2 and None in latest:
            continue
        for v in versions:
            if v.get("version") != v.get("latest_version") and not v.get("deprecation_date"):
                problems.append(
                    f"{name} v{v.get('version')}: an old version of a public model needs a "
                    "deprecation_date (when consumers must have moved to the latest version)"
                )
    return problems


def check(project_dir: Path, state: Path, target_path: Path, dbt: str) -> list[str]:
    published = json.loads((state / "manifest.json").read_text())
    rc, events = run_dbt_state_check(project_dir, state, target_path, dbt)
    problems = []
    if rc != 0:
        # dbt stops on a breaking change to a versioned model (ContractBreakingChangeError) and
        # on any parse error: show its messages
        messages = [
            " ".join(e["info"].get("msg", "").split())
            for e in events
            if e.get("info", {}).get("level") == "error" or e["info"].get("name") == "Text"
        ]
        problems.append(f"dbt ls --select state:modified.contract failed (exit {rc}):")
        problems += [f"  {m}" for m in messages if m]
        return problems
    current = json.loads((target_path / "manifest.json").read_text())
    return judge(published, current, events)


# ------------------------------------------------------------------ CLI
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["check", "publish", "data-types"])
    parser.add_argument("--project-dir", type=Path, default=Path("."), help="dbt project dir")
    parser.add_argument(
        "--target", type=Path, default=Path("target"), help="dbt target dir (its manifest.json)"
    )
    parser.add_argument(
        "--state",
        type=Path,
        default=None,
        help=f"folder of the published manifest (default: <project>/{PUBLISHED.parent})",
    )
    parser.add_argument("--warehouse", type=Path, help="data-types: a built warehouse file")
    parser.add_argument(
        "--dbt", default=str(Path(sys.executable).with_name("dbt")), help="dbt executable"
    )


def run(args: argparse.Namespace) -> int:
    state = args.state or args.project_dir / PUBLISHED.parent
    if args.action == "check":
        if not (state / "manifest.json").exists():
            print(f"{state}/manifest.json not found: run `abm-warehouse interface publish`")
            return 2
        problems = check(args.project_dir, state, args.target, args.dbt)
        for p in problems:
            print(p)
        print(f"interface check against {state}/manifest.json: {len(problems)} problem(s)")
        return 1 if problems else 0
    manifest_path = args.target / "manifest.json"
    if not manifest_path.exists():
        print(f"{manifest_path} not found: run `dbt parse` first")
        return 2
    manifest = json.loads(manifest_path.read_text())
    if args.action == "publish":
        out = published_manifest(manifest)
        state.mkdir(parents=True, exist_ok=True)
        (state / "manifest.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
        print(f"published {len(out['nodes'])} public models to {state}/manifest.json")
        return 0
    if not args.warehouse:
        print("data-types needs --warehouse (a warehouse built from the sample)")
        return 2
    problems = write_data_types(manifest, args.warehouse, args.project_dir)
    for p in problems:
        print(p)
    print(f"data types written from {args.warehouse}: {len(problems)} problem(s)")
    return 1 if problems else 0
