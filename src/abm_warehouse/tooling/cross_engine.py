"""Compare the KPI marts built on DuckDB with the same marts built on Spark (issue 11).

Rows are compared as multisets: every value normalised (Decimal -> float, dates and timestamps
-> ISO text, NaN -> None), floats equal within a tolerance. The tables are every `marts.kpi_*`
table of either engine: a table disabled on the spark target (the Spark build's manifest lists
it under `disabled`) is reported as skipped with the reason; a table missing on one engine
otherwise is a failure. Tables with a `source_model` column (kpi_monthly, kpi_rollups) lose,
on Spark, the rows of the disabled models: those DuckDB rows are left out of the comparison
and counted. `make test-cross-engine` runs this in the Spark virtualenv after `make test-spark`
(Spark metastore) and `make dbt-build-test` (DuckDB file):

    .venv-spark/bin/python -m abm_warehouse.tooling.cross_engine \
        --duckdb target/test/warehouse.duckdb --spark-dir target/spark \
        --spark-manifest target/spark-dbt/manifest.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import math
import os
import sys
from collections.abc import Iterable, Sequence

Row = tuple


def normalise(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _sort_key(row: Row) -> tuple:
    return tuple((v is None, type(v).__name__, v if v is not None else 0) for v in row)


def _equal(a: object, b: object, rel_tol: float, abs_tol: float) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol)
    return a == b


def compare_rows(
    left: Iterable[Sequence],
    right: Iterable[Sequence],
    rel_tol: float = 1e-9,
    abs_tol: float = 1e-9,
) -> list[str]:
    """Differences between two row multisets (empty when equal within tolerance)."""
    a = sorted((tuple(normalise(v) for v in r) for r in left), key=_sort_key)
    b = sorted((tuple(normalise(v) for v in r) for r in right), key=_sort_key)
    if len(a) != len(b):
        return [f"row counts differ: {len(a)} vs {len(b)}"]
    problems = []
    for x, y in zip(a, b, strict=True):
        if len(x) != len(y) or not all(
            _equal(p, q, rel_tol, abs_tol) for p, q in zip(x, y, strict=True)
        ):
            problems.append(f"{x} != {y}")
            if len(problems) >= 5:
                break
    return problems


PYTHON_MODEL = "a Python model: dbt-spark runs Python models only on Databricks"


def disabled_models(manifest: dict) -> dict[str, str]:
    """{model name: why it is disabled} for the models a dbt manifest lists as disabled."""
    nodes = {}
    for versions in manifest.get("disabled", {}).values():
        for node in versions:
            if node.get("resource_type") == "model":
                nodes[node["name"]] = node
    reasons = {}
    for name, node in sorted(nodes.items()):
        if node.get("language") == "python":
            reasons[name] = PYTHON_MODEL
            continue
        parents = sorted({ref["name"] for ref in node.get("refs", []) if ref["name"] in nodes})
        reasons[name] = (
            f"reads {', '.join(parents)} (disabled on this target)"
            if parents
            else "disabled on this target (macros/utils/engines.sql)"
        )
    return reasons


def compare_tables(
    duck_tables: dict[str, tuple[list[str], list[tuple]]],
    spark_tables: dict[str, list[tuple] | None],
    disabled: dict[str, str],
    rel_tol: float = 1e-9,
    abs_tol: float = 1e-9,
) -> tuple[list[str], int]:
    """Report lines and the number of failed tables.

    duck_tables: {table: (columns, rows)}; spark_tables: {table: rows in the same column order,
    or None when the table is not on Spark}; disabled: {model: reason} on the Spark target."""
    lines, failed = [], 0
    for table in sorted(set(duck_tables) | set(spark_tables)):
        if table in disabled:
            lines.append(f"{table}: skipped, disabled on Spark: {disabled[table]}")
            continue
        if table not in duck_tables or spark_tables.get(table) is None:
            side = "DuckDB" if table not in duck_tables else "Spark"
            lines.append(f"{table}: MISSING on {side}")
            failed += 1
            continue
        columns, duck_rows = duck_tables[table]
        spark_rows = spark_tables[table]
        note = ""
        if "source_model" in columns and disabled:
            i = columns.index("source_model")
            kept = [r for r in duck_rows if r[i] not in disabled]
            left_out = len(duck_rows) - len(kept)
            if left_out:
                sources = sorted({r[i] for r in duck_rows if r[i] in disabled})
                note = f" ({left_out} DuckDB rows of {', '.join(sources)} left out: disabled)"
            duck_rows = kept
        problems = compare_rows(duck_rows, spark_rows, rel_tol=rel_tol, abs_tol=abs_tol)
        status = "equal" if not problems else "DIFFERENT"
        lines.append(f"{table}: {len(duck_rows)} rows, {status}{note}")
        lines.extend(f"    {p}" for p in problems)
        failed += bool(problems)
    return lines, failed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb", required=True)
    parser.add_argument("--spark-dir", required=True, help="ABM_SPARK_DIR of the Spark build")
    parser.add_argument(
        "--spark-manifest",
        help="manifest.json of the Spark build (models disabled on Spark); default: none",
    )
    parser.add_argument("--schema", default="marts")
    parser.add_argument("--tables", nargs="*", help="default: every kpi_ table of either engine")
    parser.add_argument("--rel-tol", type=float, default=1e-9)
    parser.add_argument("--abs-tol", type=float, default=1e-9)
    args = parser.parse_args(argv)

    os.environ["TZ"] = "UTC"  # PySpark turns timestamps into datetimes in the local zone
    import duckdb

    from abm_warehouse.tooling.spark_session import local_spark_session

    disabled = {}
    if args.spark_manifest:
        with open(args.spark_manifest) as f:
            disabled = disabled_models(json.load(f))

    spark = local_spark_session(args.spark_dir)
    con = duckdb.connect(args.duckdb, read_only=True)
    con.execute("set TimeZone = 'UTC'")
    duck_names = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [args.schema]
        ).fetchall()
    }
    spark_names = {r.tableName for r in spark.sql(f"show tables in {args.schema}").collect()}
    tables = args.tables or sorted(
        t for t in duck_names | spark_names | set(disabled) if t.startswith("kpi_")
    )
    duck_tables, spark_tables = {}, {}
    for table in tables:
        if table in duck_names:
            columns = [r[0] for r in con.execute(f"describe {args.schema}.{table}").fetchall()]
            quoted = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f"select {quoted} from {args.schema}.{table}").fetchall()
            duck_tables[table] = (columns, rows)
        if table in spark_names and table in duck_tables:
            select = ", ".join(f"`{c}`" for c in duck_tables[table][0])
            spark_tables[table] = [
                tuple(r) for r in spark.sql(f"select {select} from {args.schema}.{table}").collect()
            ]
        elif table in spark_names:
            spark_tables[table] = []
    lines, failed = compare_tables(
        duck_tables, spark_tables, disabled, rel_tol=args.rel_tol, abs_tol=args.abs_tol
    )
    print("\n".join(lines))
    skipped = sum(1 for t in tables if t in disabled)
    print(
        f"cross-engine: {len(tables) - skipped - failed} equal, {failed} different or missing, "
        f"{skipped} skipped (disabled on Spark)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
