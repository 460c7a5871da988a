"""Benchmark the warehouse build against the bare-DuckDB floor (issue 10).

``abm-warehouse bench --scales 0.25 1 --out benchmarks`` does, per scale: generate the raw
extracts as Parquet, build the warehouse from them (``dbt build`` with ABM_RAW_EXTRACTS_PATH),
time every phase (load, staging, intermediate, marts, Python models, snapshots, tests) from
run_results.json, poll the peak resident memory of the dbt process tree (each page once: summed
PSS), list the slowest models, time ``benchmarks/floor.sql`` (the headline KPIs straight from
the same files, one DuckDB query),
then append one more day of web and e-mail events and time ``abm-warehouse refresh`` on a
copy (the data ends the day before the as-of date; the new day is the as-of day). Writes
``<out>/results.json`` and ``<out>/report.md``; not part of ``make test``.
"""

# The package, one module per section: common (shared constants), memory (PSS / RSS of a
# process tree), phases (run_results.json by phase), floor (the bare-DuckDB floor and the
# marts' KPIs), one_more_day, scale (one scale), daily (the daily-sync scenario), compare
# (refreshed vs rebuilt), results (results.json, report.md), cli; __main__ runs the floor.

from abm_warehouse.tooling.bench.cli import add_arguments, run
from abm_warehouse.tooling.bench.common import DEFAULT_AS_OF, EVENT_TABLES, RESULT_KEYS
from abm_warehouse.tooling.bench.compare import compare_schemas
from abm_warehouse.tooling.bench.daily import bench_daily
from abm_warehouse.tooling.bench.floor import (
    MART_KPIS,
    compare_kpis,
    floor_sql,
    mart_rows,
    raw_file,
    run_floor,
)
from abm_warehouse.tooling.bench.memory import RssPoller
from abm_warehouse.tooling.bench.one_more_day import append_one_day
from abm_warehouse.tooling.bench.phases import node_phase, phase_timings, slowest_nodes
from abm_warehouse.tooling.bench.results import (
    merge_runs,
    report_markdown,
    summarize,
    verdicts,
    write_results,
)
from abm_warehouse.tooling.bench.scale import bench_scale

__all__ = [
    "DEFAULT_AS_OF",
    "EVENT_TABLES",
    "MART_KPIS",
    "RESULT_KEYS",
    "RssPoller",
    "add_arguments",
    "append_one_day",
    "bench_daily",
    "bench_scale",
    "compare_kpis",
    "compare_schemas",
    "floor_sql",
    "mart_rows",
    "merge_runs",
    "node_phase",
    "phase_timings",
    "raw_file",
    "report_markdown",
    "run",
    "run_floor",
    "slowest_nodes",
    "summarize",
    "verdicts",
    "write_results",
]
