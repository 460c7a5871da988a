"""Write the Superset dashboards of the warehouse as an export bundle (YAML) under bi/dashboards.

The YAML in bi/dashboards is what `make bi` imports (bi/superset_setup.py zips it, with the
database URI pointed at the warehouse). This script is how it was written: edit the chart
definitions below and run `python bi/make_bundle.py` (any Python with PyYAML), then commit
both. UUIDs are derived from names, so regenerating leaves unchanged objects unchanged.

Every chart reads a `kpi_` mart of the `marts` schema, nothing else.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
OUT = HERE / "dashboards"
NS = uuid.UUID("6f1c1f4e-4a53-4c9e-9d1e-8e0f1b2a9c01")
DATABASE_NAME = "abm_warehouse"
# Replaced by bi/superset_setup.py with the absolute path of the warehouse it registers.
URI_PLACEHOLDER = "duckdb:///__WAREHOUSE_PATH__?access_mode=read_only"
SCHEMA = "marts"


def uid(*parts: str) -> str:
    return str(uuid.uuid5(NS, "/".join(parts)))


# --------------------------------------------------------------------------- datasets
# table -> (temporal column or None, {column: type})
DATASETS: dict[str, tuple[str | None, dict[str, str]]] = {
    "kpi_funnel_monthly": (
        "metric_month",
        {
            "metric_month": "DATE",
            "segment": "VARCHAR",
            "new_leads": "HUGEINT",
            "new_mqls": "HUGEINT",
            "new_sqls": "HUGEINT",
            "marketing_spend": "DOUBLE",
            "cost_per_mql": "DOUBLE",
            "nurtured_opportunity_rate": "DOUBLE",
            "non_nurtured_opportunity_rate": "DOUBLE",
        },
    ),
    "kpi_funnel_cohorts": (
        "cohort_month",
        {
            "cohort_month": "DATE",
            "segment": "VARCHAR",
            "transition": "VARCHAR",
            "transition_order": "INTEGER",
            "cohort_size": "BIGINT",
            "converted_ever": "HUGEINT",
            "conversion_rate_ever": "DOUBLE",
            "stage_velocity_days_median": "DOUBLE",
        },
    ),
    "kpi_abm_monthly": (
        "metric_month",
        {
            "metric_month": "DATE",
            "segment": "VARCHAR",
            "abm_tier": "VARCHAR",
            "accounts": "BIGINT",
            "engaged_accounts": "HUGEINT",
            "account_engagement_rate": "DOUBLE",
            "new_mqas": "HUGEINT",
            "mqa_account_rate": "DOUBLE",
            "avg_account_engagement_score": "DOUBLE",
            "won_opportunities": "BIGINT",
            "buying_committee_size": "DOUBLE",
        },
    ),
    "kpi_web_channels_monthly": (
        "metric_month",
        {
            "metric_month": "DATE",
            "channel": "VARCHAR",
            "sessions": "BIGINT",
            "share_of_sessions": "DOUBLE",
            "bounce_rate": "DOUBLE",
            "session_conversion_rate": "DOUBLE",
        },
    ),
    "kpi_ads_monthly": (
        "metric_month",
        {
            "metric_month": "DATE",
            "platform": "VARCHAR",
            "impressions": "HUGEINT",
            "clicks": "HUGEINT",
            "spend_reporting": "DOUBLE",
        },
    ),
    "kpi_revenue_retention_monthly": (
        "metric_month",
        {
            "metric_month": "DATE",
            "segment": "VARCHAR",
            "ending_mrr": "DOUBLE",
            "new_mrr": "DOUBLE",
            "churned_mrr": "DOUBLE",
            "net_revenue_retention": "DOUBLE",
            "gross_revenue_retention": "DOUBLE",
            "net_revenue_retention_t12m": "DOUBLE",
        },
    ),
    "kpi_cac_monthly": (
        "metric_month",
        {
            "metric_month": "DATE",
            "total_spend": "DOUBLE",
            "new_customers": "BIGINT",
            "cac": "DOUBLE",
            "cac_t3m": "DOUBLE",
            "avg_ltv_new_customers": "DOUBLE",
            "ltv_to_cac": "DOUBLE",
        },
    ),
}


def dataset_yaml(table: str) -> dict:
    dttm, columns = DATASETS[table]
    return {
        "table_name": table,
        "main_dttm_col": dttm,
        "description": f"The `{SCHEMA}.{table}` mart of the ABM warehouse (read-only).",
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "schema": SCHEMA,
        "sql": None,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "uuid": uid("dataset", table),
        "metrics": [
            {
                "metric_name": "count",
                "verbose_name": "COUNT(*)",
                "metric_type": "count",
                "expression": "COUNT(*)",
                "description": None,
                "d3format": None,
                "currency": None,
                "extra": {},
                "warning_text": None,
            }
        ],
        "columns": [
            {
                "column_name": name,
                "verbose_name": None,
                "is_dttm": name == dttm,
                "is_active": True,
                "type": type_,
                "advanced_data_type": None,
                "groupby": True,
                "filterable": True,
                "expression": None,
                "description": None,
                "python_date_format": None,
                "extra": {},
            }
            for name, type_ in columns.items()
        ],
        "version": "1.0.0",
        "database_uuid": uid("database", DATABASE_NAME),
    }


# --------------------------------------------------------------------------- charts
def metric(sql: str, label: str) -> dict:
    # SUM of a HUGEINT is a DECIMAL(38,0) in DuckDB: cast to DOUBLE so every driver and the
    # chart libraries get plain numbers.
    return {"expressionType": "SQL", "sqlExpression": sql, "label": label}


def where(sql: str) -> dict:
    return {"expressionType": "SQL", "sqlExpression": sql, "clause": "WHERE"}


def no_time_filter(column: str) -> dict:
    return {
        "expressionType": "SIMPLE",
        "subject": column,
        "operator": "TEMPORAL_RANGE",
        "comparator": "No filter",
        "clause": "WHERE",
    }


def big_number(
    name: str,
    table: str,
    m: dict,
    filters: list[dict],
    fmt: str = "SMART_NUMBER",
    latest: bool = False,
):
    """A big number: the total over all months, or (latest=True) the latest month's value
    with the monthly trend line under it (Superset allows no sub-query in custom SQL, so
    "latest month" cannot be a filter)."""
    dttm = DATASETS[table][0]
    params = {
        "metric": m,
        "adhoc_filters": [no_time_filter(dttm), *filters],
        "header_font_size": 0.4,
        "subheader_font_size": 0.15,
        "y_axis_format": fmt,
        "time_format": "smart_date",
    }
    if latest:
        params.update(
            x_axis=dttm,
            time_grain_sqla="P1M",
            compare_lag=1,
            compare_suffix="vs previous month",
            show_trend_line=True,
            start_y_axis_at_zero=True,
            show_timestamp=True,
            rolling_type="None",
        )
    return {
        "name": name,
        "table": table,
        "viz_type": "big_number" if latest else "big_number_total",
        "params": params,
    }


def line(
    name: str,
    table: str,
    metrics: list[dict],
    groupby: list[str],
    filters: list[dict],
    fmt: str = "SMART_NUMBER",
):
    dttm = DATASETS[table][0]
    return {
        "name": name,
        "table": table,
        "viz_type": "echarts_timeseries_line",
        "params": {
            "x_axis": dttm,
            "time_grain_sqla": "P1M",
            "x_axis_sort_asc": True,
            "metrics": metrics,
            "groupby": groupby,
            "adhoc_filters": [no_time_filter(dttm), *filters],
            "order_desc": True,
            "row_limit": 10000,
            "truncate_metric": True,
            "show_legend": True,
            "legendType": "scroll",
            "legendOrientation": "top",
            "x_axis_time_format": "smart_date",
            "y_axis_format": fmt,
            "rich_tooltip": True,
            "markerEnabled": True,
            "markerSize": 4,
            "zoomable": False,
        },
    }


def column_format(column: str) -> str:
    """Rates as percentages, ratios with two decimals, money and counts as whole numbers."""
    if column.endswith(("_rate", "share_of_sessions")):
        return ".1%"
    if column == "ltv_to_cac":
        return ".2f"
    return ",.0f"


def table(
    name: str,
    table_: str,
    columns: list[str],
    filters: list[dict],
    order: list[str],
    row_limit: int = 12,
):
    dttm = DATASETS[table_][0]
    return {
        "name": name,
        "table": table_,
        "viz_type": "table",
        "params": {
            "query_mode": "raw",
            "all_columns": columns,
            "order_by_cols": [f'["{col}", false]' for col in order],
            "adhoc_filters": [no_time_filter(dttm), *filters] if dttm else filters,
            "row_limit": row_limit,
            "server_page_length": 0,
            "table_timestamp_format": "%Y-%m",
            "show_cell_bars": False,
            "column_config": {
                c: {"d3NumberFormat": column_format(c)}
                for c in columns
                if DATASETS[table_][1][c] not in ("VARCHAR", "DATE")
            },
            "color_pn": False,
        },
    }


ALL = where("segment = 'all'")
SEGMENTS = where("segment in ('ABM', 'non-ABM')")

# dashboard slug -> (title, [chart, ...]); charts laid out in rows of two.
DASHBOARDS: dict[str, tuple[str, list[dict]]] = {
    "funnel": (
        "Lead funnel",
        [
            big_number(
                "New MQLs (all months)",
                "kpi_funnel_monthly",
                metric("SUM(CAST(new_mqls AS DOUBLE))", "New MQLs"),
                [ALL],
            ),
            big_number(
                "New leads (all months)",
                "kpi_funnel_monthly",
                metric("SUM(CAST(new_leads AS DOUBLE))", "New leads"),
                [ALL],
            ),
            line(
                "New leads per month, ABM vs non-ABM",
                "kpi_funnel_monthly",
                [metric("SUM(CAST(new_leads AS DOUBLE))", "New leads")],
                ["segment"],
                [SEGMENTS],
            ),
            line(
                "New MQLs and SQLs per month",
                "kpi_funnel_monthly",
                [
                    metric("SUM(CAST(new_mqls AS DOUBLE))", "New MQLs"),
                    metric("SUM(CAST(new_sqls AS DOUBLE))", "New SQLs"),
                ],
                [],
                [ALL],
            ),
            table(
                "Funnel by month (latest 12)",
                "kpi_funnel_monthly",
                ["metric_month", "new_leads", "new_mqls", "new_sqls", "cost_per_mql"],
                [ALL],
                ["metric_month"],
            ),
        ],
    ),
    "abm": (
        "ABM accounts",
        [
            big_number(
                "Engaged target accounts (latest month)",
                "kpi_abm_monthly",
                metric("SUM(CAST(engaged_accounts AS DOUBLE))", "Engaged accounts"),
                [where("segment = 'ABM' and abm_tier = 'all'")],
                latest=True,
            ),
            big_number(
                "Account engagement rate, ABM (latest month)",
                "kpi_abm_monthly",
                metric("MAX(account_engagement_rate)", "Account engagement rate"),
                [where("segment = 'ABM' and abm_tier = 'all'")],
                fmt=".1%",
                latest=True,
            ),
            line(
                "Account engagement rate, ABM vs non-ABM",
                "kpi_abm_monthly",
                [metric("MAX(account_engagement_rate)", "Account engagement rate")],
                ["segment"],
                [SEGMENTS, where("abm_tier = 'all'")],
                fmt=".0%",
            ),
            line(
                "Engaged accounts per month by ABM tier",
                "kpi_abm_monthly",
                [metric("SUM(CAST(engaged_accounts AS DOUBLE))", "Engaged accounts")],
                ["abm_tier"],
                [where("segment = 'ABM' and abm_tier in ('Tier 1', 'Tier 2', 'Tier 3')")],
            ),
            table(
                "ABM accounts by month (latest 12)",
                "kpi_abm_monthly",
                [
                    "metric_month",
                    "accounts",
                    "engaged_accounts",
                    "account_engagement_rate",
                    "new_mqas",
                    "won_opportunities",
                ],
                [where("segment = 'ABM' and abm_tier = 'all'")],
                ["metric_month"],
            ),
        ],
    ),
    "channels": (
        "Channels",
        [
            big_number(
                "Web sessions (all months)",
                "kpi_web_channels_monthly",
                metric("SUM(CAST(sessions AS DOUBLE))", "Sessions"),
                [where("channel = 'all'")],
            ),
            big_number(
                "Paid ads spend (all months, reporting currency)",
                "kpi_ads_monthly",
                metric("SUM(spend_reporting)", "Ad spend"),
                [],
            ),
            line(
                "Web sessions per month by channel",
                "kpi_web_channels_monthly",
                [metric("SUM(CAST(sessions AS DOUBLE))", "Sessions")],
                ["channel"],
                [where("channel <> 'all'")],
            ),
            line(
                "Paid ads spend per month by platform",
                "kpi_ads_monthly",
                [metric("SUM(spend_reporting)", "Ad spend")],
                ["platform"],
                [],
            ),
            table(
                "Channels, latest month",
                "kpi_web_channels_monthly",
                [
                    "metric_month",
                    "channel",
                    "sessions",
                    "share_of_sessions",
                    "bounce_rate",
                    "session_conversion_rate",
                ],
                [],
                ["metric_month", "sessions"],
                row_limit=8,
            ),
        ],
    ),
    "revenue-ltv": (
        "Revenue and LTV",
        [
            big_number(
                "Ending MRR (latest month, reporting currency)",
                "kpi_revenue_retention_monthly",
                metric("SUM(ending_mrr)", "Ending MRR"),
                [ALL],
                latest=True,
            ),
            big_number(
                "LTV:CAC (latest month)",
                "kpi_cac_monthly",
                metric("MAX(ltv_to_cac)", "LTV:CAC"),
                [],
                fmt=".2f",
                latest=True,
            ),
            line(
                "Net revenue retention, ABM vs non-ABM",
                "kpi_revenue_retention_monthly",
                [metric("MAX(net_revenue_retention)", "Net revenue retention")],
                ["segment"],
                [SEGMENTS],
                fmt=".1%",
            ),
            line(
                "Ending MRR per month, ABM vs non-ABM",
                "kpi_revenue_retention_monthly",
                [metric("SUM(ending_mrr)", "Ending MRR")],
                ["segment"],
                [SEGMENTS],
            ),
            table(
                "CAC and LTV:CAC by month (latest 12)",
                "kpi_cac_monthly",
                ["metric_month", "total_spend", "new_customers", "cac", "cac_t3m", "ltv_to_cac"],
                [],
                ["metric_month"],
            ),
        ],
    ),
}


def chart_yaml(slug: str, chart: dict) -> dict:
    params = {
        "datasource": f"__{chart['table']}__table",
        "viz_type": chart["viz_type"],
        **chart["params"],
    }
    return {
        "slice_name": chart["name"],
        "description": None,
        "certified_by": None,
        "certification_details": None,
        "viz_type": chart["viz_type"],
        "params": params,
        "query_context": None,
        "cache_timeout": None,
        "uuid": uid("chart", slug, chart["name"]),
        "version": "1.0.0",
        "dataset_uuid": uid("dataset", chart["table"]),
    }


CHART_IDS = {
    uid("chart", slug, c["name"]): n
    for n, (slug, c) in enumerate(
        ((slug, c) for slug, (_, charts) in DASHBOARDS.items() for c in charts), start=1
    )
}


def dashboard_yaml(slug: str, title: str, charts: list[dict]) -> dict:
    position: dict = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": title}},
    }
    # Big numbers side by side on the first row, then one row per pair of other charts.
    rows: list[list[dict]] = []
    bigs = [c for c in charts if c["viz_type"].startswith("big_number")]
    rest = [c for c in charts if not c["viz_type"].startswith("big_number")]
    if bigs:
        rows.append(bigs)
    for i in range(0, len(rest), 2):
        rows.append(rest[i : i + 2])
    for r, row in enumerate(rows, start=1):
        row_id = f"ROW-{slug}-{r}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        width = 12 // len(row)
        for c in row:
            chart_uuid = uid("chart", slug, c["name"])
            cid = f"CHART-{chart_uuid[:8]}"
            position[row_id]["children"].append(cid)
            position[cid] = {
                "type": "CHART",
                "id": cid,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    # Any number unique in the bundle: the import maps it to the new chart id.
                    "chartId": CHART_IDS[chart_uuid],
                    "width": width,
                    "height": 30 if c["viz_type"].startswith("big_number") else 60,
                    "uuid": chart_uuid,
                    "sliceName": c["name"],
                },
            }
    return {
        "dashboard_title": title,
        "description": None,
        "css": "",
        "slug": slug,
        "certified_by": None,
        "certification_details": None,
        "published": True,
        "uuid": uid("dashboard", slug),
        "position": position,
        "metadata": {
            "color_scheme": "supersetColors",
            "refresh_frequency": 0,
            "expanded_slices": {},
            "label_colors": {},
            "timed_refresh_immune_slices": [],
            "cross_filters_enabled": False,
            "default_filters": "{}",
            "chart_configuration": {},
            "native_filter_configuration": [],
        },
        "version": "1.0.0",
    }


def database_yaml() -> dict:
    return {
        "database_name": DATABASE_NAME,
        "sqlalchemy_uri": URI_PLACEHOLDER,
        "cache_timeout": None,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_file_upload": False,
        "extra": {
            "allows_virtual_table_explore": True,
            "metadata_params": {},
            "engine_params": {},
            "schemas_allowed_for_file_upload": [],
        },
        "uuid": uid("database", DATABASE_NAME),
        "version": "1.0.0",
    }


def dump(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def file_stem(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def write(out: Path = OUT) -> None:
    if out.exists():
        shutil.rmtree(out)
    dump(
        out / "metadata.yaml",
        {"version": "1.0.0", "type": "Dashboard", "timestamp": "2026-11-23T00:00:00+00:00"},
    )
    dump(out / "databases" / f"{DATABASE_NAME}.yaml", database_yaml())
    used = sorted({c["table"] for _, charts in DASHBOARDS.values() for c in charts})
    for t in used:
        dump(out / "datasets" / DATABASE_NAME / f"{t}.yaml", dataset_yaml(t))
    for slug, (title, charts) in DASHBOARDS.items():
        for c in charts:
            dump(out / "charts" / f"{file_stem(slug + '_' + c['name'])}.yaml", chart_yaml(slug, c))
        dump(out / "dashboards" / f"{file_stem(slug)}.yaml", dashboard_yaml(slug, title, charts))


if __name__ == "__main__":
    write()
    print(f"wrote {OUT}")
