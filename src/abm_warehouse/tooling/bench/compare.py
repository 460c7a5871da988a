"""After a refresh: its log record, and the refreshed warehouse compared relation by relation
with a full rebuild."""

from __future__ import annotations

import json
from pathlib import Path


def last_refresh_record(live: Path) -> dict:
    log = live.parent / "refresh.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return json.loads(lines[-1]) if lines else {}


# Bookkeeping columns: when a run wrote a row, not what the row says (never compared).
BOOKKEEPING_COLUMNS = ("dbt_refreshed_at",)


def compare_schemas(
    a: Path,
    b: Path,
    schema: str = "marts",
    rel_tol: float = 1e-9,
    ignore: tuple[str, ...] = BOOKKEEPING_COLUMNS,
) -> list[str]:
    """Relations of `schema` that differ between two warehouses (`ignore`: columns left out).

    Rows are compared as multisets on their exact (non floating-point) columns; rows with the
    same exact values are then paired (in order of their floating-point values) and each
    floating-point value must agree within `rel_tol` (relative, absolute below 1): a parallel
    sum's last bits depend on the order rows arrive in, so two builds of the same data differ
    there.
    """
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"attach '{a}' as a (read_only)")
        con.execute(f"attach '{b}' as b (read_only)")

        def relations(db: str) -> set[str]:
            return {
                r[0]
                for r in con.execute(
                    "select table_name from information_schema.tables "
                    "where table_catalog = ? and table_schema = ?",
                    [db, schema],
                ).fetchall()
            }

        left, right = relations("a"), relations("b")
        diffs = [f"{t}: only in {'a' if t in left else 'b'}" for t in sorted(left ^ right)]
        for table in sorted(left & right):
            diff = _compare_relation(con, f'{schema}."{table}"', rel_tol, ignore)
            if diff:
                diffs.append(f"{table}: {diff}")
        return diffs
    finally:
        con.close()


def _compare_relation(
    con, relation: str, rel_tol: float, ignore: tuple[str, ...] = ()
) -> str | None:
    schema, table = relation.split(".", 1)
    columns = [
        (c, t)
        for c, t in con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = 'a' and table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [schema, table.strip('"')],
        ).fetchall()
        if c not in ignore
    ]
    exact = [f'"{c}"' for c, t in columns if t not in ("DOUBLE", "FLOAT")]
    floats = [f'"{c}"' for c, t in columns if t in ("DOUBLE", "FLOAT")]
    keys = ", ".join(exact) or "1"

    def minus(x: str, y: str) -> int:
        return con.execute(
            f"select count(*) from (select {keys} from {x}.{relation} "
            f"except all select {keys} from {y}.{relation})"
        ).fetchone()[0]

    only_a, only_b = minus("a", "b"), minus("b", "a")
    if only_a or only_b:
        return f"{only_a} row(s) only in a, {only_b} only in b"
    if not floats:
        return None
    order = ", ".join(floats)

    def numbered(db: str) -> str:
        return (
            f"select *, row_number() over (partition by {keys} order by {order}) as _pair "
            f"from {db}.{relation}"
        )

    same_key = " and ".join(
        [f"x.{c} is not distinct from y.{c}" for c in exact] + ["x._pair = y._pair"]
    )
    far = " or ".join(
        f"(x.{f} is null) <> (y.{f} is null) or abs(x.{f} - y.{f}) > "
        f"{rel_tol} * greatest(1, abs(x.{f}), abs(y.{f}))"
        for f in floats
    )
    (apart,) = con.execute(
        f"select count(*) from ({numbered('a')}) x join ({numbered('b')}) y "
        f"on {same_key} where {far}"
    ).fetchone()
    return f"{apart} row(s) with values apart by more than {rel_tol:g}" if apart else None
