"""Compare tables built on DuckDB with the same tables built on Spark (issue 11, groundwork).

Rows are compared as multisets: every value normalised (Decimal -> float, dates and timestamps
-> ISO text, NaN -> None), floats equal within a relative tolerance. By default the tables are
every `marts.kpi_*` table present on both engines. Run in the Spark virtualenv after
`make test` (DuckDB file) and `make test-spark` (Spark metastore):

    .venv-spark/bin/python -m abm_warehouse.cross_engine \
        --duckdb target/test/warehouse.duckdb --spark-dir target/spark
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import math
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


def main(argv: list[str]) -> int:
    import duckdb
    from pyspark.sql import SparkSession

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb", required=True)
    parser.add_argument("--spark-dir", required=True, help="ABM_SPARK_DIR of the Spark build")
    parser.add_argument("--schema", default="marts")
    parser.add_argument("--tables", nargs="*", help="default: every kpi_ table on both engines")
    parser.add_argument("--rel-tol", type=float, default=1e-9)
    args = parser.parse_args(argv)

    d = args.spark_dir
    spark = (
        SparkSession.builder.enableHiveSupport()
        .config("spark.master", "local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", f"{d}/warehouse")
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={d}/metastore_db;create=true",
        )
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={d}")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    con = duckdb.connect(args.duckdb, read_only=True)
    con.execute("set TimeZone = 'UTC'")
    duck_tables = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [args.schema]
        ).fetchall()
    }
    spark_tables = {r.tableName for r in spark.sql(f"show tables in {args.schema}").collect()}
    tables = args.tables or sorted(t for t in duck_tables & spark_tables if t.startswith("kpi_"))
    failed = 0
    for table in tables:
        columns = [r[0] for r in con.execute(f"describe {args.schema}.{table}").fetchall()]
        select = ", ".join(f"`{c}`" for c in columns)
        spark_rows = [
            tuple(r) for r in spark.sql(f"select {select} from {args.schema}.{table}").collect()
        ]
        quoted = ", ".join(f'"{c}"' for c in columns)
        duck_rows = con.execute(f"select {quoted} from {args.schema}.{table}").fetchall()
        problems = compare_rows(duck_rows, spark_rows, rel_tol=args.rel_tol)
        status = "equal" if not problems else "DIFFERENT"
        print(f"{table}: {len(duck_rows)} rows, {status}")
        for p in problems:
            print("   ", p)
        failed += bool(problems)
    print(f"cross-engine: {len(tables) - failed} equal, {failed} different")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
