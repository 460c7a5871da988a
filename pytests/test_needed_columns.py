"""Column drift: a contract column the KPIs need, absent from an extract, stops the build.

The column-level lineage (src/abm_warehouse/quality/column_lineage.py) is tested on small SQL and a
synthetic manifest; the committed lineage and the sources YAML carry the amount -> won amount
path; then dbt runs for real on an opportunity.csv whose `amount` arrives as `Amount__c` (the
drift case of issue 22): an error naming the file, the column and the KPI families; the column
map stages it; var raw_absent_columns builds without it.
"""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import duckdb
import pytest
import yaml

from abm_warehouse.quality import column_lineage
from abm_warehouse.quality.column_lineage import ProjectLineage, sql_lineage
from abm_warehouse.raw.contract import LOADED_AT, table

# ------------------------------------------------------------------ lineage, unit
SCHEMA = {
    "db.stg.orders": ["order_id", "amount", "is_won", "region", "note", "loaded_at"],
    "db.stg.accounts": ["account_id", "region", "tier"],
}


def _deps(sql: str) -> dict[str, set[str]]:
    deps, unresolved = sql_lineage(sql, SCHEMA)
    assert not unresolved
    return {out: {f"{rel.split('.')[-1]}.{col}" for rel, col in d} for out, d in deps.items()}


def test_a_select_column_depends_on_what_it_reads_and_on_every_filter():
    deps = _deps(
        """
        with orders as (select * from db.stg.orders),
        won as (
            select region, sum(case when is_won then amount end) as won_amount, count(*) as n
            from orders
            where note is null
            group by region
        )
        select * from won
        """
    )
    assert deps == {
        "region": {"orders.region", "orders.note"},
        "won_amount": {"orders.is_won", "orders.amount", "orders.region", "orders.note"},
        "n": {"orders.region", "orders.note"},
    }


def test_a_union_reads_by_position():
    deps = _deps(
        """
        select id, amount from (
            select order_id as id, amount from db.stg.orders
            union all
            select account_id, tier from db.stg.accounts
        ) as both_
        """
    )
    assert deps == {
        "id": {"orders.order_id", "accounts.account_id"},
        "amount": {"orders.amount", "accounts.tier"},
    }


def test_join_keys_and_subqueries_in_filters_feed_every_column_of_their_select():
    deps = _deps(
        """
        select o.order_id, o.amount
        from db.stg.orders as o
        left join db.stg.accounts as a on o.region = a.region
        where a.tier in (select tier from db.stg.accounts where account_id = 'A1')
        """
    )
    filters = {"orders.region", "accounts.region", "accounts.tier", "accounts.account_id"}
    assert deps == {
        "order_id": {"orders.order_id"} | filters,
        "amount": {"orders.amount"} | filters,
    }


def _manifest() -> dict:
    """source -> base (stage_raw_table) -> stg -> a calendar and a Python model -> two kpi_."""

    def model(name, sql=None, parents=(), macros=(), language="sql", columns=(), meta=None):
        return {
            "resource_type": "model",
            "name": name,
            "package_name": "p",
            "language": language,
            "relation_name": f'"db"."main"."{name}"',
            "compiled_code": sql,
            "depends_on": {"nodes": list(parents), "macros": list(macros)},
            "config": {"meta": meta or {}, "enabled": True, "materialized": "table"},
            "columns": {c: {"name": c} for c in columns},
        }

    nodes = {
        "model.p.base_opps": model(
            "base_opps",
            "select id, amount, is_won, close_date, name, _loaded_at, 'staged' as _row_outcome "
            'from "db"."raw"."opportunity"',
            ["source.p.crm.opportunity"],
            ["macro.p.stage_raw_table"],
        ),
        "model.p.stg_opps": model(
            "stg_opps",
            "select id as opportunity_id, cast(amount as double) as amount, is_won, close_date, "
            'name as opportunity_name from "db"."main"."base_opps" '
            "where _row_outcome = 'staged'",
            ["model.p.base_opps"],
        ),
        "model.p.int_months": model(
            "int_months",
            'select min(close_date) as metric_month from "db"."main"."stg_opps"',
            ["model.p.stg_opps"],
            meta={"lineage_role": "calendar"},
        ),
        "model.p.kpi_sales": model(
            "kpi_sales",
            "select m.metric_month, sum(case when o.is_won then o.amount end) as won_amount "
            'from "db"."main"."int_months" as m '
            'left join "db"."main"."stg_opps" as o on o.close_date = m.metric_month '
            "group by m.metric_month",
            ["model.p.int_months", "model.p.stg_opps"],
        ),
        "model.p.kpi_fits": model(
            "kpi_fits",
            language="python",
            parents=["model.p.stg_opps"],
            columns=["fit"],
        ),
    }
    columns = ["id", "amount", "is_won", "close_date", "name", "_loaded_at"]
    sources = {
        "source.p.crm.opportunity": {
            "resource_type": "source",
            "source_name": "crm",
            "name": "opportunity",
            "relation_name": '"db"."raw"."opportunity"',
            "columns": {c: {"name": c} for c in columns},
        }
    }
    return {"metadata": {"project_name": "p"}, "nodes": nodes, "sources": sources}


def test_the_project_lineage_composes_down_to_contract_columns():
    needed = ProjectLineage(_manifest()).needed_by()
    assert needed == {
        "crm.opportunity._loaded_at": {},
        # the calendar (int_months) passes no dependency on: only the join and the sum read it
        "crm.opportunity.amount": {"kpi_fits": ["*"], "kpi_sales": ["won_amount"]},
        "crm.opportunity.close_date": {"kpi_fits": ["*"], "kpi_sales": ["*"]},
        "crm.opportunity.id": {"kpi_fits": ["*"]},
        "crm.opportunity.is_won": {"kpi_fits": ["*"], "kpi_sales": ["won_amount"]},
        "crm.opportunity.name": {"kpi_fits": ["*"]},
    }


def test_the_committed_lineage_and_sources_carry_the_amount_path(project_root):
    lineage = column_lineage.load()
    amount = lineage["salesforce.opportunity.amount"]
    assert {"won_amount", "avg_deal_value"} <= set(amount["kpi_marketing_influence_monthly"])
    for mart in ("kpi_sales_monthly", "kpi_pipeline_monthly"):
        assert mart in amount
    assert lineage["salesforce.contact.department"] == {}  # no KPI reads it: may be absent
    sources = yaml.safe_load(
        (project_root / "models/staging/salesforce/_salesforce__sources.yml").read_text()
    )
    columns = {
        (t["name"], c["name"]): c["meta"] for t in sources["sources"][0]["tables"]
        for c in t["columns"]
    }  # fmt: skip
    assert columns[("opportunity", "amount")]["needed_by"] == sorted(amount)
    assert "needed_by" not in columns[("contact", "department")]
    assert "needed_by" not in columns[("opportunity", LOADED_AT)]


# ------------------------------------------------------------------ the drift case, dbt
MODELS = ["base_salesforce__opportunities", "stg_salesforce__opportunities"]
OPPORTUNITIES = [
    {"id": "O1", "account_id": "A1", "type": "New Business", "stage_name": "Closed Won",
     "amount": "1200.50", "currency_iso_code": "USD", "close_date": "2026-03-31",
     "created_date": "2026-01-05T09:00:00Z", "is_closed": "true", "is_won": "true"},
    {"id": "O2", "account_id": "A1", "type": "Expansion", "stage_name": "Proposal",
     "amount": "300", "currency_iso_code": "USD", "close_date": "2026-08-31",
     "created_date": "2026-02-05T09:00:00Z", "is_closed": "false", "is_won": "false"},
]  # fmt: skip


def _opportunities(folder: Path, amount_as: str = "Amount__c") -> Path:
    """opportunity.csv with `amount` landed as `amount_as` and without `name` (no KPI needs it)."""
    columns = [
        amount_as if c == "amount" else c
        for c in (*table("opportunity").column_names, LOADED_AT)
        if c != "name"
    ]
    with open(folder / "opportunity.csv", "w", newline="") as f:
        w = csv.DictWriter(f, columns, extrasaction="ignore")
        w.writeheader()
        w.writerows({**r, amount_as: r["amount"]} for r in OPPORTUNITIES)
    return folder / "opportunity.csv"


def _dbt(project_root: Path, dbt_bin: str, extracts: Path, work: Path, *args: str):
    """dbt run of MODELS (and the models that start `args`) on the extracts folder."""
    env = dict(
        os.environ, ABM_RAW_EXTRACTS_PATH=str(extracts), ABM_WAREHOUSE_PATH=str(work / "wh.duckdb")
    )
    result = subprocess.run(
        [dbt_bin, "run", "--profiles-dir", ".", "--target-path", str(work / "target"),
         "--log-path", str(work / "logs"), "--select", *MODELS, *args],
        cwd=project_root, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    result.out = " ".join(result.stdout.split())  # messages may wrap
    return result


@pytest.fixture
def work(tmp_path) -> tuple[Path, Path]:
    extracts, work = tmp_path / "extracts", tmp_path / "work"
    extracts.mkdir()
    work.mkdir()
    return extracts, work


def test_a_renamed_needed_column_stops_the_build_naming_file_column_and_kpis(
    project_root, dbt_bin, work
):
    extracts, work = work
    path = _opportunities(extracts)
    result = _dbt(project_root, dbt_bin, extracts, work)
    assert result.returncode != 0
    kpis = ", ".join(sorted(column_lineage.load()["salesforce.opportunity.amount"]))
    assert "kpi_sales_monthly" in kpis
    assert (
        f"raw extract {path} lacks the column 'amount', which {kpis} need: map it with var "
        "raw_column_map ({opportunity: {amount: Amount__c}}) or, if your system has no such "
        "field, declare it with var raw_absent_columns ({opportunity: [amount]}) and those KPIs "
        "will be NULL/partial"
    ) in result.out, result.out[-3000:]
    assert "lacks the column 'name'" not in result.out  # absent, but no KPI needs it


def test_the_column_map_stages_the_renamed_amounts_and_an_absent_table_builds(
    project_root, dbt_bin, work
):
    extracts, work = work
    _opportunities(extracts)
    result = _dbt(
        project_root, dbt_bin, extracts, work,
        "base_salesforce__contacts",  # no contact extract: an absent table, not column drift
        "--vars", "{raw_column_map: {opportunity: {amount: Amount__c}}}",
    )  # fmt: skip
    assert result.returncode == 0, result.out[-3000:]
    assert "lacks the column" not in result.out
    with duckdb.connect(str(work / "wh.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select opportunity_id, amount, opportunity_name "
            "from staging.stg_salesforce__opportunities order by all"
        ).fetchall()
    assert rows == [("O1", 1200.5, None), ("O2", 300, None)]


def test_a_column_declared_absent_builds_and_is_null(project_root, dbt_bin, work):
    extracts, work = work
    path = _opportunities(extracts, amount_as="Amount_Local")
    result = _dbt(
        project_root, dbt_bin, extracts, work,
        "--vars", "{raw_absent_columns: {opportunity: [amount]}}",
    )  # fmt: skip
    assert result.returncode == 0, result.out[-3000:]
    assert (
        f"raw extract {path} lacks the column 'amount' (declared in var raw_absent_columns): kpi_"
    ) in result.out
    with duckdb.connect(str(work / "wh.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select opportunity_id, amount from staging.stg_salesforce__opportunities order by all"
        ).fetchall()
    assert rows == [("O1", None), ("O2", None)]


def test_raw_absent_columns_must_name_contract_columns(project_root, dbt_bin, work):
    extracts, work = work
    _opportunities(extracts)
    result = _dbt(
        project_root, dbt_bin, extracts, work,
        "--vars", "{raw_absent_columns: {opportunity: [amount, deal_size]}}",
    )  # fmt: skip
    assert result.returncode != 0
    assert (
        "var raw_absent_columns declares 'deal_size' absent from opportunity, but it is not a "
        "column of the raw contract's table opportunity"
    ) in result.out
