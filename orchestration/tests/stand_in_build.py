"""A stand-in for `dbt build` (refresh --build-command) for the Dagster CLI smoke test of
`make test-dagster`: writes one mart into $ABM_WAREHOUSE_PATH in a second, not minutes."""

import os

import duckdb

con = duckdb.connect(os.environ["ABM_WAREHOUSE_PATH"])
con.execute("create schema if not exists marts")
con.execute("create or replace table marts.kpi_sales_monthly as select 1 as stand_in")
con.close()
