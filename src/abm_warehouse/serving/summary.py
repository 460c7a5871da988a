"""Print a short summary of a built warehouse: rows per layer and headline KPIs.

Opens the DuckDB file read-only, so it can run while BI tools read the same file.
A headline whose mart is not built (for instance a partial `dbt build --select`) is
skipped with a note, never guessed. A headline whose mart reads a raw table absent from the
extracts (marts.dim_mart_inputs) is "n/a (no extract)" when it is 0 or NULL, and marked
"(partial)" otherwise.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import duckdb

# Layers in build order; each is a schema of the warehouse.
LAYERS = ("raw", "reference", "staging", "intermediate", "marts")


@dataclass(frozen=True)
class Headline:
    label: str
    relation: str  # schema.table the query needs
    sql: str  # returns one row, one value
    fmt: str = "{:,.0f}"


# Headline KPIs read from the marts, registered here by the mart domains as they land.
# Each reads the latest complete month of the warehouse (as of the build's as_of_date).
_LATEST_SALES = "(select max(metric_month) from marts.kpi_sales_monthly)"
_LATEST_FUNNEL = "(select max(metric_month) from marts.kpi_funnel_monthly)"


def _sales(column: str, segment: str) -> str:
    return (
        f"select {column} from marts.kpi_sales_monthly "
        f"where segment = '{segment}' and metric_month = {_LATEST_SALES}"
    )


MART_HEADLINES: tuple[Headline, ...] = (
    Headline(
        "win rate, trailing 12 months — ABM",
        "marts.kpi_sales_monthly",
        _sales("win_rate_t12m", "ABM"),
        "{:.1%}",
    ),
    Headline(
        "win rate, trailing 12 months — non-ABM",
        "marts.kpi_sales_monthly",
        _sales("win_rate_t12m", "non-ABM"),
        "{:.1%}",
    ),
    Headline(
        "average deal value, trailing 12 months — ABM",
        "marts.kpi_sales_monthly",
        _sales("avg_deal_value_t12m", "ABM"),
        "{:,.0f}",
    ),
    Headline(
        "average deal value, trailing 12 months — non-ABM",
        "marts.kpi_sales_monthly",
        _sales("avg_deal_value_t12m", "non-ABM"),
        "{:,.0f}",
    ),
    Headline(
        "won amount, trailing 12 months — all",
        "marts.kpi_sales_monthly",
        "select sum(won_amount) from marts.kpi_sales_monthly where segment = 'all' and "
        f"metric_month > {_LATEST_SALES} - interval 12 month",
    ),
    Headline(
        "open pipeline at the last month end — all",
        "marts.kpi_sales_monthly",
        _sales("open_pipeline_amount_at_month_end", "all"),
    ),
    Headline(
        "new MQLs in the last month — all",
        "marts.kpi_funnel_monthly",
        "select new_mqls from marts.kpi_funnel_monthly "
        f"where segment = 'all' and metric_month = {_LATEST_FUNNEL}",
    ),
    Headline(
        "web sessions in the last month",
        "marts.kpi_web_monthly",
        "select sessions from marts.kpi_web_monthly "
        "where metric_month = (select max(metric_month) from marts.kpi_web_monthly)",
    ),
    Headline(
        "bounce rate in the last month",
        "marts.kpi_web_monthly",
        "select bounce_rate from marts.kpi_web_monthly "
        "where metric_month = (select max(metric_month) from marts.kpi_web_monthly)",
        "{:.1%}",
    ),
    Headline(
        "target accounts that are MQAs now",
        "marts.dim_accounts",
        "select avg(case when is_mqa then 1.0 else 0.0 end) from marts.dim_accounts "
        "where is_target_account",
        "{:.1%}",
    ),
    Headline(
        "net revenue retention, trailing 12 months — all",
        "marts.kpi_revenue_retention_monthly",
        "select net_revenue_retention_t12m from marts.kpi_revenue_retention_monthly "
        "where segment = 'all' and metric_month = "
        "(select max(metric_month) from marts.kpi_revenue_retention_monthly)",
        "{:.1%}",
    ),
    Headline(
        "won revenue attributed to paid social, W-shaped, all time",
        "marts.fct_attribution",
        "select sum(attributed_revenue) from marts.fct_attribution "
        "where attribution_model = 'w_shaped' and channel = 'paid_social'",
    ),
    Headline(
        "CAC, trailing 3 months, last month",
        "marts.kpi_cac_monthly",
        "select cac_t3m from marts.kpi_cac_monthly "
        "where metric_month = (select max(metric_month) from marts.kpi_cac_monthly)",
    ),
)


def _relations(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    rows = con.execute(
        """
        select table_schema, table_name
        from information_schema.tables
        where table_schema in (select unnest(?::varchar[]))
        order by table_schema, table_name
        """,
        [list(LAYERS)],
    ).fetchall()
    for schema, name in rows:
        (n,) = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()
        out.setdefault(schema, []).append((name, int(n)))
    return out


def _scalar(con: duckdb.DuckDBPyConnection, sql: str):
    row = con.execute(sql).fetchone()
    return None if row is None else row[0]


def _absent_inputs(con: duckdb.DuckDBPyConnection, present: set[str]) -> dict[str, list[str]]:
    """Mart -> the raw tables it reads that were absent from the extracts, and the columns it
    needs declared absent (marts.dim_mart_inputs: the build's lineage); empty for the committed
    sample or a warehouse without that table."""
    if "marts.dim_mart_inputs" not in present:
        return {}
    columns = {row[0] for row in con.execute("describe marts.dim_mart_inputs").fetchall()}
    declared = "absent_columns" if "absent_columns" in columns else "''"
    out: dict[str, list[str]] = {}
    rows = con.execute(
        f"select mart_name, raw_table, is_absent, {declared} from marts.dim_mart_inputs "
        f"where is_absent or {declared} <> '' order by mart_name, raw_table"
    ).fetchall()
    for mart, table, is_absent, absent_columns in rows:
        inputs = [table] if is_absent else [c.strip() for c in absent_columns.split(",")]
        out.setdefault(f"marts.{mart}", []).extend(inputs)
    return out


def _headline_value(h: Headline, value, absent: list[str]) -> str:
    """The printed value: n/a when there is none, or when the mart reads an absent raw table and
    the value is 0 (the absence, not a measurement); a partial value is marked."""
    if value is None or (absent and value == 0):
        return "n/a" + (" (no extract)" if absent else "")
    text = h.fmt.format(value)
    return f"{text} (partial)" if absent else text


def _headlines(
    con: duckdb.DuckDBPyConnection,
    relations: dict[str, list[tuple[str, int]]],
    absent: dict[str, list[str]],
):
    present = {f"{s}.{t}" for s, tables in relations.items() for t, _ in tables}
    quarantine = sorted(r for r in present if r.startswith("staging.quarantine_"))
    lines = []
    if quarantine:
        union = " union all ".join(f"select count(*) as n from {r}" for r in quarantine)
        n = _scalar(con, f"select sum(n) from ({union})")
        lines.append(("raw rows quarantined, each with a reason", f"{int(n):,}"))
    for h in MART_HEADLINES:
        if h.relation not in present:
            continue
        value = _scalar(con, h.sql)
        lines.append((h.label, _headline_value(h, value, absent.get(h.relation, []))))
    return lines


def _absent_note(by_mart: dict[str, list[str]]) -> list[str]:
    absent = sorted({t for tables in by_mart.values() for t in tables})
    if not absent:
        return []
    return [
        "",
        "Absent raw extracts (tables read as empty, columns declared absent): " + ", ".join(absent),
        "  A headline reading one of them is n/a when it counted nothing, '(partial)' when it"
        " counted the tables present; marts.kpi_monthly.availability marks every ratio KPI.",
    ]


def summarise(path: Path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        relations = _relations(con)
        out = [f"Warehouse: {path}"]
        as_of = None
        if any(t == "int_as_of" for t, _ in relations.get("intermediate", [])):
            as_of = _scalar(con, "select max(as_of_date) from intermediate.int_as_of")
        out.append(f"As of: {as_of:%Y-%m-%d}" if as_of else "As of: unknown (no int_as_of)")
        out.append("")
        out.append(f"{'layer':<14}{'relations':>10}{'rows':>14}")
        for layer in LAYERS:
            tables = relations.get(layer, [])
            out.append(f"{layer:<14}{len(tables):>10}{sum(n for _, n in tables):>14,}")
        present = {f"{s}.{t}" for s, tables in relations.items() for t, _ in tables}
        absent = _absent_inputs(con, present)
        headlines = _headlines(con, relations, absent)
        if headlines:
            out.append("")
            month = None
            if any(t == "kpi_sales_monthly" for t, _ in relations.get("marts", [])):
                month = _scalar(con, "select max(metric_month) from marts.kpi_sales_monthly")
            out.append("Headline numbers" + (f" (last month: {month:%Y-%m})" if month else ""))
            width = max(len(label) for label, _ in headlines) + 2
            out.extend(f"  {label:<{width}}{value:>16}" for label, value in headlines)
        out.extend(_absent_note(absent))
        return "\n".join(out)
    finally:
        con.close()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=Path("warehouse/warehouse.duckdb"),
        help="DuckDB file to summarise (opened read-only)",
    )


def run(args: argparse.Namespace) -> int:
    if not args.warehouse.exists():
        print(f"no warehouse at {args.warehouse}: run `make warehouse` first")
        return 1
    print(summarise(args.warehouse))
    return 0
