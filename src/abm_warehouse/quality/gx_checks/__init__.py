"""Great Expectations suites of the marts: run every suite on a built warehouse, build Data Docs.

One suite per mart (every `dim_`, `fct_` and `kpi_` model of the dbt manifest), made of
  * expectations generated from the manifest, so a new mart is covered the day it lands:
    the grain (`unique_combination_of_columns`, or `unique`) is unique and its key columns
    are not NULL, `not_null` and `accepted_values` columns hold, every column with an
    `is_rate` test is in [0, 1], and the table is not empty;
  * the hand-written rules of `MART_RULES`: ranges (scores 0-100, NPS -100..100, money and
    counts >= 0 where they must be), allowed value sets (segment, channel, attribution model,
    read from the reference seeds where a seed defines them), column-pair orderings;
and derived suites on computed frames (`DERIVED_SUITES`): attribution weights per
opportunity x model sum to 1, month grids are complete (rows = months x segments, months
contiguous, the same months in every month-grid mart), 'all' rows equal ABM + non-ABM.

GX's SQL datasource over duckdb-engine returns empty results, so every mart is read with the
pinned duckdb (read-only: safe beside BI readers; only the columns its suite names, whole for
the marts a derived suite reads) into pandas and validated through GX's
pandas DataFrame datasource in an ephemeral context: nothing is written besides Data Docs
(and, while worker processes run, their validation results in a temporary folder), nothing
is downloaded, usage statistics are off. Exit code 1 when any expectation fails.

Speed: GX's cost is per expectation (building its metric graph, in pure Python), so the
suites run in forked worker processes (`--jobs`, one per CPU up to 4), each expectation
first in GX's BASIC result format (a failing suite again in SUMMARY, what the report and
Data Docs show), and GX is imported only when a suite runs.
"""

# The package, one module per section: suites (suites as data), manifest (the marts of the
# manifest), rules (hand-written rules), derived (derived suites), build (every suite),
# runner (GX, forked workers, Data Docs), warehouse (reading the marts, the report), cli.

from abm_warehouse.quality.gx_checks.build import build_suites, mart_suite
from abm_warehouse.quality.gx_checks.cli import add_arguments, run
from abm_warehouse.quality.gx_checks.derived import derived_suites
from abm_warehouse.quality.gx_checks.manifest import MartSpec, load_manifest, marts_from_manifest
from abm_warehouse.quality.gx_checks.rules import MART_RULES
from abm_warehouse.quality.gx_checks.runner import SuiteResult, new_context, validate
from abm_warehouse.quality.gx_checks.suites import Expect, Suite, between, needed_columns
from abm_warehouse.quality.gx_checks.warehouse import read_frames, summary_lines

__all__ = [
    "Expect",
    "MART_RULES",
    "MartSpec",
    "Suite",
    "SuiteResult",
    "add_arguments",
    "between",
    "build_suites",
    "derived_suites",
    "load_manifest",
    "mart_suite",
    "needed_columns",
    "marts_from_manifest",
    "new_context",
    "read_frames",
    "run",
    "summary_lines",
    "validate",
]
