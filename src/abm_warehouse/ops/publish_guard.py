"""Plausibility checks of a built warehouse against the live one, before it is published.

A build can pass every data test and still publish a wrong number: an extract that lost its
rows, a renamed amount column that became NULL in every row, a system that stopped
delivering. Before `make warehouse` or `abm-warehouse refresh` replaces the live file, this
compares the candidate with what is live and stops the publish on:

* ``mart_emptied``       a table of the marts schema that had rows and has none;
* ``kpi_vanished``       a numeric column of a ``kpi_`` mart that had non-zero values (in at least
                         ``MIN_NONZERO_ROWS`` rows: a sparse column flickers; and, in a mart by
                         period, in at least ``MIN_NONZERO_PERIODS`` periods: a KPI of the
                         open period alone, such as the closing pipeline of a month whose deals
                         all close on its last day, may fall to 0 the next day) and is now NULL
                         or 0 in every row (a KPI family that went dark);
* ``row_count_drop``     a table (staging, intermediate, marts) whose row count fell by more than
                         ``max_row_drop`` (a share, default 0.5);
* ``null_share_jump``    an amount column of a mart (money: amount, MRR, revenue, spend, cost,
                         LTV, ...) whose share of NULLs rose by more than ``max_null_jump``
                         (default 0.25, in share points).

Each finding has a key, ``<check>:<schema>.<table>[.<column>]``; ``--accept`` takes keys or
shell-style patterns (``'row_count_drop:*'``, ``'*'``) for the changes that are expected (a
folder that now lacks a system, a deliberate purge). Without a live warehouse there is nothing
to compare and the candidate passes. Both files are opened read-only.
"""

from __future__ import annotations

import argparse
import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

SCHEMAS = ("staging", "intermediate", "marts")
MAX_ROW_DROP = 0.5
MAX_NULL_JUMP = 0.25
# A KPI column "vanishes" only if it had at least this many non-zero rows, in a mart by period
# in at least this many periods (its first column of PERIOD_COLUMNS).
MIN_NONZERO_ROWS = 3
MIN_NONZERO_PERIODS = 2
PERIOD_COLUMNS = ("metric_month", "period_start", "metric_quarter", "send_month", "cohort_month")
# Money columns of the marts whose NULL share is watched.
AMOUNT_COLUMN = re.compile(
    r"(^|_)(amount|mrr|arr|revenue|spend|cost|budget|ltv|arpa|pipeline)(_|$)", re.IGNORECASE
)
NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")


@dataclass(frozen=True)
class Finding:
    check: str
    table: str
    column: str | None
    before: float
    after: float
    message: str

    @property
    def key(self) -> str:
        return f"{self.check}:{self.table}" + (f".{self.column}" if self.column else "")


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """'schema.table' -> [(column, type)] of the base tables of the checked schemas."""
    rows = con.execute(
        """
        select c.table_schema, c.table_name, c.column_name, c.data_type
        from information_schema.columns c
        join information_schema.tables t
            on t.table_schema = c.table_schema and t.table_name = c.table_name
        where t.table_type = 'BASE TABLE' and c.table_schema in (select unnest(?::varchar[]))
        order by c.table_schema, c.table_name, c.ordinal_position
        """,
        [list(SCHEMAS)],
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for schema, table, column, type_ in rows:
        out.setdefault(f"{schema}.{table}", []).append((column, type_))
    return out


def _quoted(name: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def _is_numeric(type_: str) -> bool:
    return type_.upper().startswith(NUMERIC)


def _profile(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]]
) -> tuple[int, dict[str, tuple[int, int | None]], dict[str, int]]:
    """(rows, (non-zero rows, periods with a non-zero value or None without a period column)
    of the kpi_ numeric columns, NULL counts of the amount columns)."""
    is_kpi = table.startswith("marts.kpi_")
    is_mart = table.startswith("marts.")
    names = [c for c, _ in columns]
    period = next((c for c in PERIOD_COLUMNS if c in names), None)
    nonzero = [c for c, t in columns if is_kpi and _is_numeric(t)]
    amounts = [c for c, t in columns if is_mart and _is_numeric(t) and AMOUNT_COLUMN.search(c)]
    parts = ["count(*)"]
    parts += [f'count(case when "{c}" <> 0 then 1 end)' for c in nonzero]
    parts += [
        f'count(distinct case when "{c}" <> 0 then "{period}" end)' if period else "null"
        for c in nonzero
    ]
    parts += [f'count(*) - count("{c}")' for c in amounts]
    row = con.execute(f"select {', '.join(parts)} from {_quoted(table)}").fetchone()
    n, k = int(row[0]), len(nonzero)
    rows, periods = row[1 : 1 + k], row[1 + k : 1 + 2 * k]
    return (
        n,
        {
            c: (int(r), None if p is None else int(p))
            for c, r, p in zip(nonzero, rows, periods, strict=True)
        },
        dict(zip(amounts, (int(v) for v in row[1 + 2 * k :]), strict=True)),
    )


def compare(
    candidate: Path,
    live: Path,
    max_row_drop: float = MAX_ROW_DROP,
    max_null_jump: float = MAX_NULL_JUMP,
) -> list[Finding]:
    """The findings of the candidate warehouse against the live one (both opened read-only)."""
    new = duckdb.connect(str(candidate), read_only=True)
    old = duckdb.connect(str(live), read_only=True)
    try:
        new_tables, old_tables = _tables(new), _tables(old)
        findings: list[Finding] = []
        for table in sorted(set(new_tables) & set(old_tables)):
            before = _profile(old, table, old_tables[table])
            after = _profile(new, table, new_tables[table])
            findings += _table_findings(table, before, after, max_row_drop, max_null_jump)
        return findings
    finally:
        new.close()
        old.close()


def _table_findings(table, before, after, max_row_drop, max_null_jump) -> list[Finding]:
    (n0, nonzero0, nulls0), (n1, nonzero1, nulls1) = before, after
    out: list[Finding] = []
    if n0 > 0 and n1 == 0:
        check = "mart_emptied" if table.startswith("marts.") else "row_count_drop"
        out.append(Finding(check, table, None, n0, n1, f"{table} had {n0:,} rows and now has none"))
        return out
    if n0 > 0 and (n0 - n1) / n0 > max_row_drop:
        out.append(
            Finding(
                "row_count_drop",
                table,
                None,
                n0,
                n1,
                f"{table} fell from {n0:,} to {n1:,} rows ({(n0 - n1) / n0:.0%} fewer; "
                f"more than {max_row_drop:.0%})",
            )
        )
    for column, (count, periods) in nonzero0.items():
        if (
            count >= MIN_NONZERO_ROWS
            and (periods is None or periods >= MIN_NONZERO_PERIODS)
            and column in nonzero1
            and nonzero1[column][0] == 0
        ):
            out.append(
                Finding(
                    "kpi_vanished",
                    table,
                    column,
                    count,
                    0,
                    f"{table}.{column} had {count:,} non-zero values and is now NULL or 0 "
                    "in every row",
                )
            )
    for column, nulls in nulls0.items():
        if column not in nulls1 or n0 == 0 or n1 == 0:
            continue
        share0, share1 = nulls / n0, nulls1[column] / n1
        if share1 - share0 > max_null_jump:
            out.append(
                Finding(
                    "null_share_jump",
                    table,
                    column,
                    round(share0, 4),
                    round(share1, 4),
                    f"{table}.{column} is NULL in {share1:.0%} of rows (was {share0:.0%})",
                )
            )
    return out


def unaccepted(findings: Iterable[Finding], accept: Sequence[str]) -> list[Finding]:
    """The findings no --accept key or pattern covers."""
    return [f for f in findings if not any(fnmatch.fnmatchcase(f.key, p) for p in accept)]


def report(findings: Sequence[Finding], accepted: Sequence[Finding]) -> str:
    lines = []
    if findings:
        lines.append(
            f"publish guard: {len(findings)} implausible change(s) against the live warehouse; "
            "not published:"
        )
        lines += [f"  {f.key}: {f.message}" for f in findings]
        lines.append(
            "If the change is expected, accept it by key or pattern: "
            + " ".join(f"--accept '{f.key}'" for f in findings[:3])
            + (" ..." if len(findings) > 3 else "")
            + " (make warehouse ACCEPT='<key> ...')"
        )
    if accepted:
        lines.append(f"publish guard: {len(accepted)} change(s) accepted:")
        lines += [f"  {f.key}: {f.message}" for f in accepted]
    return "\n".join(lines)


def check(
    candidate: Path,
    live: Path,
    accept: Sequence[str] = (),
    max_row_drop: float = MAX_ROW_DROP,
    max_null_jump: float = MAX_NULL_JUMP,
) -> tuple[list[Finding], list[Finding]]:
    """(blocking, accepted) findings; nothing when there is no live warehouse."""
    if not live.exists():
        return [], []
    findings = compare(candidate, live, max_row_drop, max_null_jump)
    blocking = unaccepted(findings, accept)
    return blocking, [f for f in findings if f not in blocking]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--candidate", type=Path, required=True, help="the built DuckDB file")
    parser.add_argument(
        "--live", type=Path, required=True, help="the live DuckDB file it would replace"
    )
    add_guard_options(parser)


def add_guard_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--accept",
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY",
        help="accept a publish-guard finding: its key (check:schema.table[.column]) or a "
        "shell-style pattern ('row_count_drop:*', '*')",
    )
    parser.add_argument(
        "--max-row-drop",
        type=float,
        default=MAX_ROW_DROP,
        help=f"row-count fall (share) that stops a publish (default {MAX_ROW_DROP})",
    )
    parser.add_argument(
        "--max-null-jump",
        type=float,
        default=MAX_NULL_JUMP,
        help=f"rise of an amount column's NULL share that stops a publish "
        f"(default {MAX_NULL_JUMP})",
    )


def run(args: argparse.Namespace) -> int:
    if not args.candidate.exists():
        print(f"publish guard: no candidate warehouse at {args.candidate}")
        return 2
    blocking, accepted = check(
        args.candidate, args.live, args.accept, args.max_row_drop, args.max_null_jump
    )
    text = report(blocking, accepted)
    if text:
        print(text)
    if not args.live.exists():
        print(f"publish guard: no live warehouse at {args.live}: nothing to compare")
    return 1 if blocking else 0
