"""What the benchmark's modules share: result keys, phases, as-of dates, the project root."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

# Keys results.json always has (issue 10); values may be null when not measured.
RESULT_KEYS = (
    "ratio_full_to_floor",
    "full_build_s",
    "floor_s",
    "peak_rss_mb",
    "incremental_share",
    "scaling_4x_ratio",
    "scale",
    "machine",
)
SKIP_GX_MAIN = (
    "import sys; from abm_warehouse import cli; cli.COMMANDS.pop('gx', None); "
    "sys.exit(cli.main(sys.argv[1:]))"
)
PHASES = ("load", "staging", "intermediate", "marts", "python", "snapshots", "tests", "other")
FLOOR_SQL = "benchmarks/floor.sql"
DEFAULT_AS_OF = date(2026, 6, 30)  # the warehouse's as_of_date (dbt_project.yml)
# Benchmark data ends the day before the as-of date, so "one more day" (the refresh's new day)
# is the as-of day itself: the refresh keeps the project's as_of_date and stays in the month.
DATA_AS_OF = DEFAULT_AS_OF - timedelta(days=1)
# The event tables "one more day" is appended to: (id column, event timestamp column).
EVENT_TABLES = {"web_event": ("event_id", "occurred_at"), "email_event": ("id", "created")}


def project_root() -> Path:
    return Path(__file__).resolve().parents[4]
