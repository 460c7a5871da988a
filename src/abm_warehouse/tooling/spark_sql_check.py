"""Cheap check of the project's SQL on Spark, without building anything (issue 11).

Creates the raw tables empty (string columns, from the committed sample's CSV headers) in a
local metastore, runs `dbt compile` on the `spark` target in this process (dbt-spark's session
method reuses this SparkSession), then gives every compiled model and test to Spark's SQL
parser and checks every function name against Spark's function registry. It finds DuckDB-only
syntax and functions in a couple of minutes; it does not analyse types (`make test-spark` does).

Run in the Spark virtualenv: `make spark-sql-check` (extra dbt compile arguments after --).
"""

from __future__ import annotations

import csv
import os
import re
import sys
import time
from pathlib import Path

# Words followed by "(" that are SQL syntax, not functions.
NOT_FUNCTIONS = frozenset(
    [
        "in",
        "over",
        "as",
        "and",
        "or",
        "not",
        "exists",
        "values",
        "using",
        "on",
        "from",
        "select",
        "when",
        "then",
        "else",
        "case",
        "end",
        "filter",
        "join",
        "with",
        "interval",
        "decimal",
        "cast",
        "try_cast",
        "if",
        "row",
        "rows",
        "partition",
        "by",
        "is",
        "null",
        "between",
        "union",
        "all",
        "where",
        "order",
        "group",
        "having",
        "limit",
        "struct",
        "array",
        "map",
        "distinct",
        "lateral",
        "table",
        "char",
        "varchar",
    ]
)


def called_functions(sql: str) -> set[str]:
    """Lower-case names written as `name(` outside string literals and comments."""
    body = re.sub(r"'(?:[^'\\]|\\.)*'", "''", sql)
    body = re.sub(r"--[^\n]*", "", body)
    names = {m.lower() for m in re.findall(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(", body)}
    return names - NOT_FUNCTIONS


def main(argv: list[str]) -> int:
    from dbt.cli.main import dbtRunner

    from abm_warehouse.tooling.spark_session import local_spark_session

    spark_dir = os.environ.get("ABM_SPARK_DIR", "target/spark-sql-check")
    target_path = "target/spark-sql-check-dbt"
    start = time.time()
    spark = local_spark_session(spark_dir)
    spark.sql("create database if not exists raw")
    for path in sorted(Path("seeds/raw_sample").glob("*.csv")):
        if path.stem == "raw_defect_manifest":
            continue
        with path.open() as fh:
            header = next(csv.reader(fh))
        columns = ", ".join(f"`{c}` string" for c in header)
        spark.sql(f"create table if not exists raw.`{path.stem}` ({columns}) using parquet")

    args = ["compile", "--profiles-dir", ".", "--project-dir", ".", "--target-path", target_path]
    result = dbtRunner().invoke([*args, "--quiet", *argv])
    if not result.success:
        print("spark-sql-check: dbt compile failed", file=sys.stderr)
        return 1

    parser = spark._jsparkSession.sessionState().sqlParser()
    exists: dict[str, bool] = {}
    problems: list[str] = []
    files = sorted(Path(target_path, "compiled").rglob("*.sql"))
    for path in files:
        sql = path.read_text()
        try:
            parser.parsePlan(sql)
        except Exception as error:  # noqa: BLE001 - py4j wraps Spark's ParseException
            problems.append(f"{path}: parse error: {' '.join(str(error).splitlines()[:2])[:300]}")
            continue
        for name in sorted(called_functions(sql)):
            if name not in exists:
                exists[name] = spark.catalog.functionExists(name)
            if not exists[name]:
                problems.append(f"{path}: unknown function {name}()")
    for problem in problems:
        print(problem)
    took = time.time() - start
    print(f"spark-sql-check: {len(files)} compiled files, {len(problems)} problems, {took:.0f} s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
