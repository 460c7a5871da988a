"""The summary reads a warehouse read-only and reports what is there, skipping what is not."""

from __future__ import annotations

import duckdb

from abm_warehouse.serving.summary import summarise


def test_summary_counts_layers_and_reads_headlines(tmp_path):
    path = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema staging; create schema marts; create schema intermediate")
    con.execute("create table intermediate.int_as_of as select date '2026-06-30' as as_of_date")
    con.execute("create table staging.quarantine_x__ys as select 1 as k union all select 2")
    con.execute(
        "create table marts.kpi_sales_monthly as "
        "select date '2026-06-01' as metric_month, 'ABM' as segment, 0.5 as win_rate_t12m, "
        "1000.0 as avg_deal_value_t12m, 10.0 as won_amount, "
        "5.0 as open_pipeline_amount_at_month_end"
    )
    con.close()
    text = summarise(path)
    assert "raw rows quarantined, each with a reason" in text and "2" in text
    assert "win rate, trailing 12 months — ABM" in text and "50.0%" in text
    assert "(last month: 2026-06)" in text
    assert "As of: 2026-06-30" in text  # the build's as-of date (int_as_of)
    # the funnel mart is absent: its headline is skipped, not guessed
    assert "new MQLs" not in text
    # read-only: another read-only reader can hold the file meanwhile
    reader = duckdb.connect(str(path), read_only=True)
    assert "marts" in summarise(path)
    reader.close()


def test_headlines_reading_an_absent_input_are_marked(tmp_path):
    """marts.dim_mart_inputs (the build's lineage): a headline whose mart reads an absent raw
    table, or a column declared absent, is 'n/a (no extract)' when 0 and '(partial)' otherwise."""
    path = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.kpi_sales_monthly as "
        "select date '2026-06-01' as metric_month, 'ABM' as segment, 0.5 as win_rate_t12m, "
        "1000.0 as avg_deal_value_t12m, 0.0 as won_amount, "
        "0.0 as open_pipeline_amount_at_month_end"
    )
    con.execute(
        "create table marts.kpi_web_monthly as "
        "select date '2026-06-01' as metric_month, 0 as sessions, null::double as bounce_rate"
    )
    con.execute(
        "create table marts.dim_mart_inputs as select * from (values "
        "('kpi_sales_monthly', 'salesforce.opportunity', false, 'salesforce.opportunity.amount'), "
        "('kpi_web_monthly', 'web.web_event', true, ''), "
        "('kpi_web_monthly', 'salesforce.lead', false, '')"
        ") as t(mart_name, raw_table, is_absent, absent_columns)"
    )
    con.close()
    text = summarise(path)
    assert "50.0% (partial)" in text  # win rate: counted from the opportunities present
    assert "web sessions in the last month" in text
    web = next(line for line in text.splitlines() if "web sessions" in line)
    assert web.rstrip().endswith("n/a (no extract)")
    won = next(line for line in text.splitlines() if "won amount" in line)
    assert won.rstrip().endswith("n/a (no extract)")
    assert "Absent raw extracts (tables read as empty, columns declared absent): " in text
    assert "salesforce.opportunity.amount, web.web_event" in text
