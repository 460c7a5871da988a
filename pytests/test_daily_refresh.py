"""A month of daily refreshes on live-shaped extracts equals a build from scratch.

The committed sample's world is generated again as daily delta folders
(`abm-warehouse generate --layout daily --deltas-from 2026-05-31`): one initial sync
(`load_date=2026-06-01`) and one sync per day after it, each holding the rows loaded since
the previous one: new events, late events, new and changed CRM records (new leads, stage
changes, closed deals, new and cancelled subscriptions, a deleted opportunity), every version
of a changed record. A landing folder receives the initial sync, the warehouse is built with
`abm-warehouse refresh --as-of loaded` (the as-of date: the day before the newest load), and
then the following syncs land and a scheduled refresh runs after each (SCHEDULE): the first
five days one by one (the as-of date moves into June: May closes), then a catch-up (a server
that was down for three weeks: 23 syncs land, one refresh moves the as-of date 23 days), then
the month's last two days one by one (June's last day). Every refresh is planned (only what the
new files and the new date change, data tests included, no unit test).

After the catch-up and after the last day, every mart and every intermediate model of the live
warehouse must equal, row for row, a from-scratch `dbt build` on the same files at the same
as-of date (bookkeeping columns left out), and the last refresh must have rewritten only part of
each incremental model.

Cost: a planned daily refresh of the sample is mostly dbt's and Great Expectations' fixed cost
per node and per expectation (about 800 nodes and 700 expectations: ~50 s), the same at any
data size. To keep `make test` within its budget, the first and the last daily refresh run
everything a scheduled one does (data tests, GX), the others `--skip-tests` (models, seeds and
snapshots of the same plan; tests write no rows, so the marts are the same); and eight
refreshes cover a month (30 one-day refreshes took 24 minutes of `make test`). The full daily
refresh with tests and GX at enterprise scale is the benchmark's daily scenario.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from abm_warehouse.tooling.bench import compare_schemas

pytestmark = pytest.mark.slow

DELTAS_FROM = dt.date(2026, 5, 31)
FIRST_SYNC = DELTAS_FROM + dt.timedelta(days=1)
DAYS = 30
# The last sync (day after FIRST_SYNC) each refresh lands: one by one, then days 6-28 at once.
SCHEDULE = (1, 2, 3, 4, 5, 28, 29, DAYS)
COMPARE_ON = (28, DAYS)  # refreshes (by their last day) compared with a build from scratch
CHECKED = (1, DAYS)  # refreshes that run the data tests and GX too
# Incremental models (with dbt_refreshed_at) whose last refresh must rewrite only a part.
INCREMENTAL = (
    "staging.base_web__web_events",
    "staging.base_marketing_automation__email_events",
    "staging.stg_web__web_events",
    "staging.stg_marketing_automation__email_events",
    "intermediate.int_web_events_sessionized",
    "intermediate.int_web_session_summaries",
    "intermediate.int_web_sessions",
    "intermediate.int_email_send_events",
    "intermediate.int_touch_events",
    "intermediate.int_engagement_signals",
    "marts.fct_web_sessions",
    "marts.fct_page_views",
    "marts.fct_email_sends",
    "marts.fct_account_engagement_events",
)
BOOKKEEPING = ("dbt_refreshed_at", "dbt_as_of_date")


def _sync_folders(root: Path, day: dt.date) -> list[Path]:
    """The `load_date=<day>` folder of every table generated under `root`."""
    return sorted(root.glob(f"*/load_date={day.isoformat()}"))


def land(generated: Path, landing: Path, day: dt.date) -> int:
    """Copy one sync (every table's folder of that load date) into the landing folder."""
    folders = _sync_folders(generated, day)
    for folder in folders:
        target = landing / folder.parent.name / folder.name
        shutil.copytree(folder, target)
    return len(folders)


def _env(landing: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ABM_", "DBT_"))}
    env.update(ABM_RAW_EXTRACTS_PATH=str(landing), ABM_THREADS="2", **extra)
    return env


def scheduled_refresh(root: Path, live: Path, landing: Path, checks: bool = True) -> dict:
    """`abm-warehouse refresh --as-of loaded`, as the cron / systemd units run it (with
    `--skip-tests` unless `checks`)."""
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "abm_warehouse.cli",
            "refresh",
            "--warehouse",
            str(live),
            "--as-of",
            "loaded",
            "--skip-freshness",  # the data's dates are in the past: every source is stale
            "--keep",
            "1",
            *([] if checks else ["--skip-tests"]),
        ],
        cwd=root,
        env=_env(landing),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stderr[-6000:]
    record = json.loads((live.parent / "refresh.log").read_text().splitlines()[-1])
    record["wall_s"] = round(time.monotonic() - started, 1)
    return record


def build_from_scratch(root: Path, landing: Path, db: Path, as_of: str) -> None:
    """`dbt build` of every model on an empty database, same files, same as-of date."""
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "build",
            "--exclude",
            "tag:raw_sample",
            "--exclude-resource-type",
            "test",
            "unit_test",
            "--profiles-dir",
            str(root),
            "--project-dir",
            str(root),
            "--target-path",
            str(db.parent / "target"),
            "--log-path",
            str(db.parent / "logs"),
        ],
        cwd=root,
        env=_env(landing, ABM_WAREHOUSE_PATH=str(db), ABM_AS_OF_DATE=as_of),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-6000:]


@pytest.fixture(scope="module")
def month(project_root, tmp_path_factory):
    """Generate, land and refresh day by day; build from scratch on the comparison days."""
    work = tmp_path_factory.mktemp("daily")
    generated, landing = work / "generated", work / "landing"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "abm_warehouse.cli",
            "generate",
            "--out",
            str(generated),
            "--scale",
            "1",
            "--layout",
            "daily",
            "--deltas-from",
            DELTAS_FROM.isoformat(),
            "--format",
            "parquet",
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    landing.mkdir()
    live = work / "wh" / "warehouse.duckdb"
    live.parent.mkdir()
    land(generated, landing, FIRST_SYNC)
    runs = [scheduled_refresh(project_root, live, landing, checks=False)]
    compared = {}
    previous = 0
    for n in SCHEDULE:
        landed = sum(
            land(generated, landing, FIRST_SYNC + dt.timedelta(days=day))
            for day in range(previous + 1, n + 1)
        )
        previous = n
        record = scheduled_refresh(project_root, live, landing, checks=n in CHECKED)
        record["tables_landed"] = landed
        record["last_day"] = n
        runs.append(record)
        print(f"day {n}: as of {record['as_of_date']}, {record['wall_s']} s, {record['plan']}")
        if n in COMPARE_ON:
            scratch = work / f"scratch-{n}" / "warehouse.duckdb"
            scratch.parent.mkdir()
            build_from_scratch(project_root, landing, scratch, record["as_of_date"])
            compared[n] = (
                record["as_of_date"],
                {
                    schema: compare_schemas(live, scratch, schema, ignore=BOOKKEEPING)
                    for schema in ("marts", "intermediate")
                },
            )
    con = duckdb.connect(str(live), read_only=True)
    try:
        rewritten = {}
        for table in INCREMENTAL:
            # the signals' small sources (forms, CRM, ads) are recomputed on every run by
            # design; the share is the event partitions' (a session's, a recipient's)
            where = (
                "where source_partition like 'session:%' or source_partition like 'email:%'"
                if table.endswith(("int_engagement_signals", "fct_account_engagement_events"))
                else ""
            )
            rewritten[table] = con.execute(
                "select count(*) filter (where dbt_refreshed_at = "
                f"(select max(dbt_refreshed_at) from {table})), count(*) from {table} {where}"
            ).fetchone()
    finally:
        con.close()
    return {
        "runs": runs,
        "compared": compared,
        "rewritten": rewritten,
        "live": live,
        "landing": landing,
    }


def test_the_as_of_date_follows_the_landed_syncs(month):
    """One day per daily refresh; the 23 days of a catch-up in one."""
    runs = month["runs"]
    assert runs[0]["as_of_date"] == DELTAS_FROM.isoformat()
    assert runs[0]["plan"]["kind"] == "full"
    assert [r["last_day"] for r in runs[1:]] == list(SCHEDULE)
    for record in runs[1:]:
        n = record["last_day"]
        assert record["as_of_date"] == (DELTAS_FROM + dt.timedelta(days=n)).isoformat()
        assert record["as_of_policy"] == "loaded" and record["published"]
        assert record["tables_landed"] > 0


def test_every_daily_refresh_is_planned_not_a_full_build(month):
    for record in month["runs"][1:]:
        n = record["last_day"]
        plan = record["plan"]
        assert plan["kind"] == "changed", plan
        assert plan["as_of_moved"] and plan["changed"]
        words = record["build_command"].split()
        excluded = words[words.index("--exclude-resource-type") + 1 :]
        if n in CHECKED:
            # a scheduled refresh: data tests of what it builds, GX on the marts it rebuilt;
            # not the unit tests (the code did not change)
            assert excluded[0] == "unit_test" and "gx" in record["steps"], record["steps"]
            assert not record.get("tests_skipped")
            # and the data tests a stored constraint already makes (NOT NULL, primary keys)
            left_out = words[words.index("--exclude") + 1 :]
            assert plan["tests_checked_by_constraints"] > 50
            assert "not_null_kpi_sales_monthly_metric_month" in left_out
            assert "unique_dim_accounts_account_id" in left_out
        else:
            assert excluded[:2] == ["test", "unit_test"] and record["tests_skipped"]


@pytest.mark.parametrize("day", COMPARE_ON)
@pytest.mark.parametrize("schema", ["marts", "intermediate"])
def test_every_relation_equals_a_build_from_scratch(month, day, schema):
    as_of, differences = month["compared"][day]
    assert differences[schema] == [], f"as of {as_of}, {schema} that differ: {differences}"


def test_the_last_refresh_rewrote_only_part_of_each_incremental_model(month):
    for table, (written, total) in month["rewritten"].items():
        assert 0 < written < 0.5 * total, (table, written, total)


def test_the_month_holds_the_changes_it_is_meant_to(month):
    """The deltas carried what a live CRM and event stream deliver, and the warehouse shows it."""
    landing = month["landing"]
    con = duckdb.connect()
    try:

        def rows(table: str, where: str) -> int:
            return con.execute(
                f"select count(*) from read_parquet('{landing}/{table}/load_date=*/*.parquet', "
                f"hive_partitioning = true) where load_date > '{FIRST_SYNC}' and ({where})"
            ).fetchone()[0]

        assert rows("lead", "created_date >= '2026-06-01'") > 0  # new leads
        assert rows("opportunity", "stage_name in ('Closed Won', 'Closed Lost')") > 0
        assert rows("opportunity", "is_deleted = 'true'") > 0  # a deleted opportunity
        assert rows("subscription", "canceled_at is not null") > 0
        assert rows("subscription", "started_at >= '2026-06-01'") > 0
        loaded, created = "try_cast(_loaded_at as timestamptz)", "try_cast(created as timestamptz)"
        late = f"{loaded} > {created} + interval 2 day"
        assert rows("email_event", late) > 0
    finally:
        con.close()
    live = duckdb.connect(str(month["live"]), read_only=True)
    try:
        deleted = live.execute(
            "select count(*) from staging.quarantine_salesforce__opportunities "
            "where _quarantine_reason = 'soft_deleted'"
        ).fetchone()[0]
        assert deleted > 0
    finally:
        live.close()


def test_signals_stored_in_the_visitor_layout_are_refused_until_a_full_refresh(
    month, project_root, tmp_path
):
    """Engagement signals were once partitioned by visitor ('web:<visitor>'); an incremental
    run over such a table would leave those rows beside the new session partitions and count
    them twice, so the run stops and says how to rebuild."""
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(month["live"], db)
    con = duckdb.connect(str(db))
    try:
        changed = con.execute(
            "update intermediate.int_engagement_signals set source_partition = 'web:legacy' "
            "where source_partition = (select min(source_partition) from "
            "intermediate.int_engagement_signals where source_partition like 'session:%')"
        ).fetchone()[0]
    finally:
        con.close()
    assert changed > 0
    as_of = month["runs"][-1]["as_of_date"]
    dbt = str(Path(sys.executable).with_name("dbt"))
    common = [
        "--select",
        "int_engagement_signals",
        "--profiles-dir",
        str(project_root),
        "--project-dir",
        str(project_root),
        "--target-path",
        str(tmp_path / "target"),
        "--log-path",
        str(tmp_path / "logs"),
    ]
    env = _env(month["landing"], ABM_WAREHOUSE_PATH=str(db), ABM_AS_OF_DATE=as_of)
    refused = subprocess.run(
        [dbt, "run", *common], cwd=project_root, env=env, capture_output=True, text=True
    )
    assert refused.returncode != 0
    assert "--full-refresh" in refused.stdout and "partitioned by session" in refused.stdout
    rebuilt = subprocess.run(
        [dbt, "run", "--full-refresh", *common],
        cwd=project_root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    try:
        legacy = con.execute(
            "select count(*) from intermediate.int_engagement_signals "
            "where source_partition like 'web:%'"
        ).fetchone()[0]
    finally:
        con.close()
    assert legacy == 0
