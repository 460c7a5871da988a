"""Query the warehouse read-only from the command line (the project's DuckDB CLI).

    abm-warehouse sql "select * from marts.kpi_funnel_monthly limit 5"
    abm-warehouse sql --csv "select ..." > out.csv
    echo "select 42;" | abm-warehouse sql
    abm-warehouse sql               # interactive: statements end with ';', Ctrl-D quits

The PyPI `duckdb` package ships no CLI binary and no `duckdb-cli` release matches the pinned
duckdb, so this command is the CLI recipe: it uses the project's own duckdb (the version that
wrote the file) and always opens the file read-only, so it never blocks a refresh and cannot
change the published warehouse.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

import duckdb


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=Path(os.environ.get("ABM_LIVE_WAREHOUSE", "warehouse/warehouse.duckdb")),
        help="the DuckDB file (default warehouse/warehouse.duckdb or $ABM_LIVE_WAREHOUSE)",
    )
    parser.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    parser.add_argument("sql", nargs="*", help="statements to run (else read from stdin)")


def _print(cursor: duckdb.DuckDBPyConnection, as_csv: bool, out=None) -> None:
    out = out or sys.stdout
    if cursor.description is None:
        return
    header = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    if as_csv:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return
    from tabulate import tabulate

    print(tabulate(rows, headers=header, tablefmt="simple", floatfmt="g"), file=out)
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", file=out)


def _statements(text: str) -> list[str]:
    return [s.strip() for s in text.split(";") if s.strip()]


def run(args: argparse.Namespace) -> int:
    if not args.warehouse.exists():
        print(f"no warehouse at {args.warehouse}: run `make warehouse` first", file=sys.stderr)
        return 2
    try:
        con = duckdb.connect(str(args.warehouse), read_only=True)
    except duckdb.Error as exc:
        print(f"cannot open {args.warehouse} read-only: {exc}", file=sys.stderr)
        return 1
    interactive = not args.sql and sys.stdin.isatty()
    status = 0
    try:
        if args.sql:
            # Statements split at ';' (a ';' inside a string literal is not supported here).
            chunks = [s for arg in args.sql for s in _statements(arg)]
        elif not interactive:
            chunks = _statements(sys.stdin.read())
        else:
            chunks = []
        for statement in chunks:
            try:
                _print(con.execute(statement), args.csv)
            except duckdb.Error as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
        if interactive:
            print(f"{args.warehouse} (read-only, duckdb {duckdb.__version__}); end with ';'")
            buffer = ""
            while True:
                try:
                    line = input("... " if buffer else "sql> ")
                except EOFError:
                    print()
                    break
                buffer += line + "\n"
                if buffer.rstrip().endswith(";"):
                    for statement in _statements(buffer):
                        try:
                            _print(con.execute(statement), args.csv)
                        except duckdb.Error as exc:
                            print(f"error: {exc}", file=sys.stderr)
                            status = 1
                    buffer = ""
    finally:
        con.close()
    return status
