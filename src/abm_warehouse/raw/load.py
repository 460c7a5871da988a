"""`abm-warehouse load`: land an extracts folder in a DuckDB database with dlt, the way a
loader (Fivetran, Airbyte, a dlt pipeline) lands a company's systems, so that the warehouse
reads its raw tables from that database's schema instead of from files.

Each raw table of the contract found in the folder (``<table>.csv|parquet`` re-exported whole,
or a folder of delta files ``<table>/**/*.csv|parquet``, as the warehouse reads them:
docs/operations.md "Delta landing") becomes the table ``<dataset>.<table>`` of the database:

* a delta folder: each file not loaded yet is appended once (event files per day, CRM rows
  changed since the last sync); files already loaded are skipped, so a nightly load moves
  only what landed;
* one file: when it changed since the last load, it replaces the table (the file is the
  whole table); unchanged, it is left alone.

Every version of a record and every bad row is kept, as in the files: the warehouse's staging
layer picks the latest version per key (`_loaded_at`, then `last_modified_date`) and
quarantines bad rows with a reason, so a build from the database equals a build from the
folder. A merge in the loader would drop the versions the history marts read, and dlt refuses
the NULL keys the warehouse must quarantine rather than lose. Values land as text, read by
DuckDB exactly as the warehouse reads the files; each row keeps ``_source_file`` and gets dlt's
``_dlt_load_id`` (the warehouse ignores columns starting with ``_``).

With ``--crm-merge`` the CRM tables (the Salesforce system) land the way Fivetran's connector
lands them instead: merged on their key, the latest version per key (by ``_loaded_at``) replacing
the row loaded before, so the landing table stays one row per record. The warehouse then sees
only the latest version of each record, as from one file re-exported whole: the history marts
take earlier versions from the snapshots of earlier builds, not from the landing table. A row
whose key is blank is kept under a key of its own (``_abm_merge_key``: ``unkeyed:`` and a hash
of the row), so staging still quarantines it (``missing_id``) rather than the load dropping it.

What was loaded is dlt's pipeline state (in the database, committed with each load), so a load
that fails leaves the next one to retry the same files. ``--full-refresh`` drops the dataset
and loads everything again. The database is written only by this command: run it before a
build or refresh, never during one (DuckDB allows one writer). Then
``ABM_RAW_DATABASE_PATH=<database> make warehouse`` (or ``abm-warehouse refresh``) reads it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from abm_warehouse.ops import inputs
from abm_warehouse.raw import contract

DEFAULT_DATABASE = Path("warehouse/landing.duckdb")
# Not the database file's name (a file `abm_raw.duckdb` with a dataset `abm_raw` confuses
# DuckDB's binder).
DEFAULT_DATASET = "abm_raw"
PIPELINE_NAME = "abm_extracts"


def _entries(location: inputs.RawLocation) -> list[tuple[str, Path]]:
    """(entry, file) of a table: '' for one file, else the file's path inside its folder."""
    if location.file is not None:
        return [("", location.file)]
    assert location.folder is not None or not location.files
    return [(p.relative_to(location.folder).as_posix(), p) for p in location.files]


def _digest(path: Path, single: bool) -> str:
    # one file re-exported whole: its content; a delta file never changes: size and mtime
    return inputs.file_digest(path) if single else inputs._stat_digest(path)


MERGE_KEY = "_abm_merge_key"


def read_file(path: Path, merge_key: str | None = None) -> Any:
    """A raw file as an Arrow table of text columns, read by DuckDB as the warehouse reads it
    (CSV: header, every column text; Parquet: every column cast to text), plus `_source_file`;
    with `merge_key` (a key column), also `_abm_merge_key`: the key, or for a row whose key is
    blank `unkeyed:` and a hash of the row."""
    import duckdb

    quoted = "'" + str(path).replace("'", "''") + "'"
    con = duckdb.connect()
    try:
        if path.suffix.lower() == ".parquet":
            sql = f"select columns(*)::varchar from read_parquet({quoted})"
        else:
            sql = f"select * from read_csv({quoted}, header = true, all_varchar = true)"
        if merge_key:
            column = '"' + merge_key.replace('"', '""') + '"'
            sql = (
                f"select raw.*, coalesce(nullif(trim(raw.{column}), ''), "
                f"'unkeyed:' || md5(cast(raw as varchar))) as {MERGE_KEY} from ({sql}) as raw"
            )
        sql = f"select *, {quoted} as _source_file from ({sql})"
        return con.sql(sql).to_arrow_table()
    finally:
        con.close()


def merged_tables() -> set[str]:
    """The CRM tables --crm-merge merges on their key (single-column keys)."""
    return {t.name for t in contract.TABLES if t.system == "salesforce" and len(t.key) == 1}


def plan(
    extracts: Path, loaded: dict[str, dict[str, str]], crm_merge: bool = False
) -> dict[str, dict[str, Any]]:
    """What to load: table -> {disposition, files: [(entry, path, digest)]}, from the folder and
    the digests of what was loaded (the pipeline state). Tables with nothing new are left out."""
    merged = merged_tables() if crm_merge else set()
    todo: dict[str, dict[str, Any]] = {}
    for name, location in inputs.raw_locations(Path("."), str(extracts)).items():
        entries = _entries(location)
        if not entries:
            continue
        single = location.file is not None
        before = loaded.get(name, {})
        files = []
        for entry, path in entries:
            digest = _digest(path, single)
            if before.get(entry) != digest:
                files.append((entry, path, digest))
        if not files:
            continue
        # one file replaces the table; so does a first load or a switch from file to folder
        replace = single or "" in before
        disposition = "merge" if name in merged else "replace" if replace else "append"
        todo[name] = {"disposition": disposition, "files": files}
    return todo


def _resource(name: str, files: list[tuple[str, Path, str]], disposition: str):
    import dlt

    hints: dict[str, Any] = {}
    key = None
    if disposition == "merge":  # the latest version per key wins, by _loaded_at
        key = contract.table(name).key[0]
        hints = {
            "primary_key": MERGE_KEY,
            "columns": {contract.LOADED_AT: {"dedup_sort": "desc", "data_type": "text"}},
        }

    @dlt.resource(name=name, write_disposition=disposition, **hints)
    def rows() -> Iterator[Any]:
        state = dlt.current.source_state().setdefault("loaded", {})
        table_state = {} if disposition == "replace" else dict(state.get(name, {}))
        for entry, path, digest in files:
            table = read_file(path, merge_key=key)
            if table.num_rows:
                yield table
            table_state[entry] = digest
        state[name] = table_state

    return rows


def _pipeline(database: Path, dataset: str, pipelines_dir: Path):
    import dlt

    # keep the file's column names as they are (the contract's, or a user's renamed ones the
    # warehouse maps with var raw_column_map): no snake_case normalisation
    os.environ.setdefault("SCHEMA__NAMING", "direct")
    # every row carries the load that landed it (`_dlt_load_id`): a refresh sees new loads
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
    return dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        destination=dlt.destinations.duckdb(str(database)),
        dataset_name=dataset,
        pipelines_dir=str(pipelines_dir),
    )


def loaded_state(pipeline) -> dict[str, dict[str, str]]:
    """table -> {entry: digest} of what earlier loads landed (dlt's source state)."""
    # a first load: no state in the database yet
    with contextlib.suppress(Exception):
        pipeline.sync_destination()
    sources = pipeline.state.get("sources", {})
    return {k: dict(v) for k, v in sources.get(PIPELINE_NAME, {}).get("loaded", {}).items()}


def load(
    extracts: Path,
    database: Path,
    dataset: str = DEFAULT_DATASET,
    full_refresh: bool = False,
    pipelines_dir: Path | None = None,
    crm_merge: bool = False,
) -> dict[str, dict[str, Any]]:
    """Load what is new in `extracts` into `database`; returns the plan that was loaded."""
    import dlt

    if database.stem == dataset:
        raise ValueError(f"the database file {database.name} and the dataset {dataset} need "
                         "different names (DuckDB's binder confuses them)")  # fmt: skip
    database.parent.mkdir(parents=True, exist_ok=True)
    pipelines_dir = pipelines_dir or database.parent / ".dlt"
    pipeline = _pipeline(database, dataset, pipelines_dir)
    loaded = {} if full_refresh else loaded_state(pipeline)
    todo = plan(extracts, loaded, crm_merge)
    if not todo and not full_refresh:
        return {}

    @dlt.source(name=PIPELINE_NAME)
    def extracts_source():
        return [_resource(name, item["files"], item["disposition"]) for name, item in todo.items()]

    pipeline.run(extracts_source(), refresh="drop_sources" if full_refresh else None)
    return todo


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--extracts",
        type=Path,
        default=Path(os.environ["ABM_RAW_EXTRACTS_PATH"])
        if os.environ.get("ABM_RAW_EXTRACTS_PATH")
        else None,
        required=not os.environ.get("ABM_RAW_EXTRACTS_PATH"),
        help="the extracts folder (default: ABM_RAW_EXTRACTS_PATH)",
    )
    parser.add_argument(
        "--database",
        type=Path,
        default=Path(os.environ.get("ABM_RAW_DATABASE_PATH") or DEFAULT_DATABASE),
        help=f"the DuckDB file to land in (default: ABM_RAW_DATABASE_PATH or {DEFAULT_DATABASE})",
    )
    parser.add_argument(
        "--dataset",
        default=os.environ.get("ABM_RAW_SCHEMA") or DEFAULT_DATASET,
        help=f"the schema to land in (default: ABM_RAW_SCHEMA or {DEFAULT_DATASET})",
    )
    parser.add_argument(
        "--full-refresh", action="store_true", help="drop the dataset and load everything again"
    )
    parser.add_argument(
        "--crm-merge",
        action="store_true",
        help="merge the CRM tables on their key (the latest version per record, as Fivetran "
        "lands them) instead of keeping every version; use it from the first load on",
    )


def run(args: argparse.Namespace) -> int:
    if not args.extracts.is_dir():
        print(f"load: no extracts folder at {args.extracts}")
        return 2
    todo = load(
        args.extracts, args.database, args.dataset, args.full_refresh, crm_merge=args.crm_merge
    )
    if not todo:
        print(f"load: nothing new in {args.extracts}; {args.database} is unchanged")
        return 0
    for name, item in sorted(todo.items()):
        print(f"  {args.dataset}.{name}: {len(item['files'])} file(s), {item['disposition']}")
    print(
        f"load: {len(todo)} table(s) loaded into {args.database} ({args.dataset}); build with "
        f"ABM_RAW_DATABASE_PATH={args.database} ABM_RAW_SCHEMA={args.dataset}"
    )
    return 0


# ---------------------------------------------------------------- what a refresh reads of it


def database_from_env(env: dict[str, str] | None = None) -> tuple[Path, str] | None:
    """(database, schema) the warehouse reads raw tables from, when ABM_RAW_DATABASE_PATH is
    set (profiles.yml attaches it as `landing`); None otherwise."""
    env = dict(os.environ if env is None else env)
    path = (env.get("ABM_RAW_DATABASE_PATH") or "").strip()
    if not path:
        return None
    return Path(path), (env.get("ABM_RAW_SCHEMA") or "").strip() or DEFAULT_DATASET


def _connect_read_only(database: Path):
    import duckdb

    return duckdb.connect(str(database), read_only=True)


def database_digests(database: Path, schema: str) -> dict[str, str]:
    """Raw table -> digest of its table in the loader's database, for the refresh planner:
    rows and newest `_dlt_load_id` (a new load of the table changes it), 'missing' when the
    schema lacks the table."""
    out = {t.name: "missing" for t in contract.TABLES}
    if not database.is_file():
        return out
    con = _connect_read_only(database)
    try:
        columns: dict[str, set[str]] = {}
        for table, column in con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = ? and table_catalog = current_database()",
            [schema],
        ).fetchall():
            columns.setdefault(table, set()).add(column)
        for name in out:
            if name not in columns:
                continue
            load_id = "max(_dlt_load_id)" if "_dlt_load_id" in columns[name] else "''"
            n, newest = con.execute(
                f'select count(*), {load_id} from "{schema}"."{name}"'
            ).fetchone()
            out[name] = f"{n}:{newest or ''}"
    finally:
        con.close()
    return out


def database_newest_loaded_at(database: Path, schema: str):
    """The newest `_loaded_at` over the raw tables of the loader's database (UTC), or None."""
    import datetime as dt

    if not database.is_file():
        return None
    con = _connect_read_only(database)
    newest = None
    try:
        con.execute("set TimeZone = 'UTC'")
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.columns where table_schema = ? "
                "and column_name = '_loaded_at' and table_catalog = current_database()",
                [schema],
            ).fetchall()
        ]
        for name in tables:
            if name not in {t.name for t in contract.TABLES}:
                continue
            value = con.execute(
                "select max(try_cast(trim(cast(_loaded_at as varchar)) as timestamptz)) "
                f'from "{schema}"."{name}"'
            ).fetchone()[0]
            if value is not None:
                value = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
                newest = value if newest is None or value > newest else newest
    finally:
        con.close()
    return newest
