"""The raw-data generator: deterministic, complete, exact about its defects, and coherent."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from abm_warehouse.raw.contract import DEFECT_CLASSES, LOADED_AT, TABLES
from abm_warehouse.raw.generator.cli import generate, summary_json
from abm_warehouse.raw.generator.defects import parse_ts
from abm_warehouse.raw.generator.deltas import APPEND_TABLES


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("small")
    return out, generate(out, scale=0.2, seed=7)


def test_same_seed_and_scale_give_byte_identical_files(small, tmp_path):
    out, _ = small
    generate(tmp_path, scale=0.2, seed=7)
    assert _digest(tmp_path) == _digest(out)


def test_another_seed_gives_other_data(small, tmp_path):
    out, _ = small
    generate(tmp_path, scale=0.2, seed=8)
    assert _digest(tmp_path)["opportunity.csv"] != _digest(out)["opportunity.csv"]


def test_every_contract_table_is_written_with_exactly_its_columns(small):
    out, summary = small
    for t in TABLES:
        with open(out / f"{t.name}.csv", newline="") as f:
            header = next(csv.reader(f))
        assert header == [*t.column_names, LOADED_AT], t.name
        assert summary["rows"][t.name] > 0, t.name


def test_manifest_lists_every_defect_class_of_every_table_with_its_outcome(small):
    out, _ = small
    with open(out / "raw_defect_manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    seen = Counter((r["table_name"], r["defect_class"]) for r in rows)
    for t in TABLES:
        for defect in t.defects:
            assert seen[(t.name, defect)] >= 1, (t.name, defect)
    for r in rows:
        assert r["expected_outcome"] == DEFECT_CLASSES[r["defect_class"]]
        assert (r["expected_reason"] != "") == (r["expected_outcome"] == "quarantined")


def test_duplicates_are_older_copies_of_existing_records(small):
    out, _ = small
    con = duckdb.connect()
    dupes = con.sql(
        f"""
        select id, count(*) as n, max(_loaded_at) > min(_loaded_at) as newer_wins
        from read_csv('{out}/opportunity.csv', all_varchar = true)
        where id is not null
        group by id
        having count(*) > 1
        """
    ).fetchall()
    assert dupes, "opportunity has duplicate re-extracts"
    assert all(n == 2 and newer for _, n, newer in dupes)


def test_parquet_holds_the_same_rows_as_csv(tmp_path):
    generate(tmp_path / "c", scale=0.05, seed=3, fmt="csv")
    generate(tmp_path / "p", scale=0.05, seed=3, fmt="parquet")
    con = duckdb.connect()
    for name in ("web_event", "opportunity", "spend_monthly"):
        diff = con.execute(
            f"""
            select count(*) from (
                (select * from read_csv('{tmp_path}/c/{name}.csv', all_varchar = true)
                 except all
                 select * from read_parquet('{tmp_path}/p/{name}.parquet'))
                union all
                (select * from read_parquet('{tmp_path}/p/{name}.parquet')
                 except all
                 select * from read_csv('{tmp_path}/c/{name}.csv', all_varchar = true))
            )
            """
        ).fetchone()[0]
        assert diff == 0, name


def test_event_tables_are_written_in_bounded_chunks(tmp_path):
    summary = generate(tmp_path, scale=0.1, seed=1, fmt="parquet", chunk_rows=1_000)
    # every chunk holds about chunk_rows rows: memory does not grow with the table
    for name in ("web_event", "email_event"):
        assert summary["chunks"][name] >= summary["rows"][name] // 2_000, name


def test_event_streams_are_yielded_in_bounded_chunks_whatever_the_volume():
    from datetime import date

    from abm_warehouse.raw.generator import crm, events
    from abm_warehouse.raw.generator.story import build_world

    w = build_world(5, 0.05, date(2026, 6, 30), event_multiplier=3)
    crm.funnel(w)
    sizes = [len(c["web_event"]) for c in events.web_streams(w, max_rows=400)]
    assert len(sizes) > 3 and max(sizes) <= 400 + 300  # one visitor's events past the bound
    campaigns = events.email_campaigns(w)
    sizes = [len(c) for c in events.email_events(w, campaigns, max_rows=400)]
    assert len(sizes) > 3 and max(sizes) <= 400 + 10  # one recipient's events past the bound


def test_event_multiplier_adds_events_not_people(tmp_path):
    one = generate(tmp_path / "a", scale=0.1, seed=4)["rows"]
    three = generate(tmp_path / "b", scale=0.1, seed=4, event_multiplier=3)["rows"]
    assert three["contact"] == one["contact"] and three["lead"] == one["lead"]
    assert three["web_event"] > 2.5 * one["web_event"]
    assert three["email_event"] > 2.0 * one["email_event"]


def test_rows_grow_linearly_with_scale(tmp_path):
    a = generate(tmp_path / "a", scale=0.1, seed=2)["rows"]
    b = generate(tmp_path / "b", scale=0.3, seed=2)["rows"]
    for name in ("account", "contact", "web_event", "email_event"):
        assert 2.0 < b[name] / a[name] < 4.5, name


def test_abm_accounts_win_more_and_bigger_deals(project_root):
    """On the committed sample: the story builds ABM accounts to outperform."""
    sample = project_root / "seeds" / "raw_sample"
    con = duckdb.connect()
    rows = con.sql(
        f"""
        with acc as (
            select id, abm_tier_c is not null as is_abm
            from read_csv('{sample}/account.csv', all_varchar = true)
        ),
        opp as (
            select account_id, is_won = 'true' as won, is_closed = 'true' as closed,
                   try_cast(amount as double) as amount
            from read_csv('{sample}/opportunity.csv', all_varchar = true)
            where type = 'New Business'
        )
        select acc.is_abm,
               avg(case when won then 1.0 else 0.0 end) filter (where closed) as win_rate,
               avg(amount) filter (where won) as deal
        from opp join acc on opp.account_id = acc.id
        group by acc.is_abm
        """
    ).fetchall()
    by = {is_abm: (win, deal) for is_abm, win, deal in rows}
    assert by[True][0] > by[False][0] + 0.1
    assert by[True][1] > 1.3 * by[False][1]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The committed sample's arguments (files layout, scale 1, seed 42), freshly generated."""
    out = tmp_path_factory.mktemp("sample")
    generate(out, scale=1.0, seed=42)
    return out


def test_committed_sample_is_the_generator_output(project_root, sample):
    committed = _digest(project_root / "seeds" / "raw_sample")
    fresh = _digest(sample)
    assert {k: v for k, v in committed.items() if k.endswith(".csv")} == fresh


def test_late_events_arrive_late_but_within_the_one_extract(project_root):
    """Files layout: one extract (as-of + 1 day 06:00); a late-arriving event is loaded days
    after it happened, or by that extract if that is sooner, never after it."""
    sample = project_root / "seeds" / "raw_sample"
    con = duckdb.connect()
    loaded = [
        con.execute(
            f"select max({LOADED_AT}) from read_csv('{sample}/{t.name}.csv', all_varchar = true)"
        ).fetchall()[0][0]
        for t in TABLES
    ]
    assert max(loaded) == "2026-07-01T06:00:00Z"
    late = con.execute(
        f"""
        select e.created, e._loaded_at
        from read_csv('{sample}/raw_defect_manifest.csv', all_varchar = true) m
        join read_csv('{sample}/email_event.csv', all_varchar = true) e on e.id = m.record_key
        where m.table_name = 'email_event' and m.defect_class = 'late_arriving_event'
        """
    ).fetchall()
    assert late and all(
        loaded == "2026-07-01T06:00:00Z"
        or parse_ts(loaded) - parse_ts(created) >= timedelta(days=3)
        for created, loaded in late
    )
    assert any(loaded == "2026-07-01T06:00:00Z" for _, loaded in late)  # clamped


# ------------------------------------------------------------------ daily delta layout
D0 = date(2026, 5, 31)
INITIAL = date(2026, 6, 1)  # the first, full sync: everything loaded up to 2026-06-01 02:00
AS_OF_SYNC = date(2026, 7, 1)  # the sync after the as-of date (2026-06-30)


def _parquet(folder: Path, name: str) -> str:
    """A daily table read as one table, with its load_date from the folder names."""
    return f"read_parquet('{folder}/{name}/*/*.parquet', hive_partitioning = true)"


def _records(folder: Path, name: str) -> str:
    """A daily table's rows that have their id, minus the duplicate re-extracts' keys (older
    copies of the final row, loaded before it)."""
    return f"""(select * from {_parquet(folder, name)} where id is not null and id not in (
        select record_key from read_csv('{folder}/raw_defect_manifest.csv', all_varchar = true)
        where table_name = '{name}' and defect_class = 'duplicate_reextract'))"""


def _query(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def daily(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("daily")
    summary = generate(out, scale=1.0, seed=42, fmt="parquet", layout="daily", deltas_from=D0)
    return out, summary


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_daily_layout_is_one_folder_per_table_and_sync(daily):
    """DIR/<table>/load_date=YYYY-MM-DD/part-00000.parquet: the initial sync on D0 + 1, then
    one folder per day up to the last sync written (an empty file on a day without rows)."""
    out, summary = daily
    last = date.fromisoformat(summary["load_dates"][-1])
    days = [INITIAL + timedelta(days=i) for i in range((last - INITIAL).days + 1)]
    assert summary["load_dates"] == [d.isoformat() for d in days]
    assert last > AS_OF_SYNC  # late events and the last day's reports land after the as-of
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [t.name for t in TABLES] + ["raw_defect_manifest.csv"]
    )
    for t in TABLES:
        folders = sorted(p.name for p in (out / t.name).iterdir())
        assert folders == [f"load_date={d.isoformat()}" for d in days], t.name
        by_date = summary["rows_by_load_date"][t.name]
        for d in days:
            part = out / t.name / f"load_date={d.isoformat()}" / "part-00000.parquet"
            assert [p.name for p in part.parent.iterdir()] == [part.name]
            meta = pq.ParquetFile(part)
            assert meta.schema_arrow.names == [*t.column_names, LOADED_AT], t.name
            assert meta.metadata.num_rows == by_date[d.isoformat()], (t.name, d)
        assert sum(by_date.values()) == summary["rows"][t.name]
    # every nightly sync of the delta window has its web and e-mail events
    window = [d.isoformat() for d in days if INITIAL < d <= AS_OF_SYNC]
    assert window[0] == "2026-06-02" and window[-1] == "2026-07-01" and len(window) == 30
    assert all(summary["rows_by_load_date"]["web_event"][d] > 0 for d in window)
    email = summary["rows_by_load_date"]["email_event"]
    assert sum(email[d] > 0 for d in window) >= 20  # e-mails go out a few days a month
    # the printed summary: the load dates and rows per table and load date, one line each
    printed = summary_json(summary)
    assert json.loads(printed) == summary
    assert len(printed.splitlines()) < 2 * len(TABLES) + 80


def test_daily_rows_land_in_the_sync_of_their_loaded_at(daily):
    """load_date = the first 02:00 at or after _loaded_at (02:00 sharp: that day), and
    everything up to the initial sync in the initial folder; CRM-style rows are loaded at a
    sync time (02:00)."""
    out, _ = daily
    con = duckdb.connect()
    for t in TABLES:
        rows = _query(
            con,
            f"""
            with r as (select load_date, {LOADED_AT}::timestamp as loaded
                       from {_parquet(out, t.name)})
            select
                count(*) filter (where load_date <> greatest(date '{INITIAL}',
                    case when loaded <= loaded::date + interval 2 hour then loaded::date
                         else loaded::date + 1 end)),
                count(*) filter (where strftime(loaded, '%H:%M:%S') <> '02:00:00'),
                count(*) filter (where load_date > date '{INITIAL}'
                                   and loaded <> load_date + interval 2 hour),
                count(*)
            from r
            """,
        )
        wrong, off_sync, not_at_sync, n = rows[0]
        assert n > 0 and wrong == 0, t.name
        if t.name not in APPEND_TABLES:
            assert off_sync == 0 and not_at_sync == 0, t.name


def _final(src: str, t) -> str:
    """Per key the row with the latest _loaded_at, then last_modified_date (rows without a
    key, from the null_id defect, all kept); the contract's columns."""
    cols = ", ".join(f'"{c}"' for c in t.column_names)
    key = ", ".join(f'"{k}"' for k in t.key)
    lmd = ", last_modified_date desc" if t.has_last_modified else ""
    return f"""
        select {cols} from {src}
        qualify row_number() over (partition by {key} order by {LOADED_AT} desc{lmd}) = 1
            or "{t.key[0]}" is null
    """


def _only_in(con, a: str, b: str) -> list[tuple]:
    return _query(con, f"select * from ({a}) except all select * from ({b})")


def test_daily_union_is_the_files_layout_final_state(daily, sample):
    """The union of a table's folders, de-duplicated per key, is what the files layout holds,
    for every CRM-style table; the only difference: opportunities deleted in the delta window
    (is_deleted = true, last_modified_date = the deletion) that are not deleted there. The
    event tables hold the same rows, with the same _loaded_at except a late-arriving event
    after the files layout's one extract (clamped to it there)."""
    out, summary = daily
    con = duckdb.connect()
    for t in TABLES:
        daily_src = _parquet(out, t.name)
        files_src = f"read_csv('{sample}/{t.name}.csv', all_varchar = true)"
        if t.name in APPEND_TABLES:
            cols = ", ".join(f'"{c}"' for c in [*t.column_names, LOADED_AT])
            files_rows = f"select {cols} from {files_src}"
            daily_rows = f"""select * replace (least({LOADED_AT}, '2026-07-01T06:00:00Z')
                             as {LOADED_AT}) from (select {cols} from {daily_src})"""
            assert _only_in(con, daily_rows, files_rows) == [], t.name
            assert _only_in(con, files_rows, daily_rows) == [], t.name
            continue
        only_daily = _only_in(con, _final(daily_src, t), _final(files_src, t))
        only_files = _only_in(con, _final(files_src, t), _final(daily_src, t))
        if t.name != "opportunity":
            assert only_daily == [] and only_files == [], t.name
            continue
        names = list(t.column_names)
        deleted = {r[0]: dict(zip(names, r, strict=True)) for r in only_daily}
        before = {r[0]: dict(zip(names, r, strict=True)) for r in only_files}
        assert len(deleted) == summary["deleted_opportunities"] >= 1
        assert deleted.keys() == before.keys()
        for key, row in deleted.items():
            was = before[key]
            assert row["is_deleted"] == "true" and was["is_deleted"] == "false"
            assert was["is_won"] == "false" and was["created_date"] < D0.isoformat()
            assert row["last_modified_date"] > INITIAL.isoformat()
            same = {k: v for k, v in row.items() if k not in ("is_deleted", "last_modified_date")}
            assert same == {k: was[k] for k in same}
        manifest = _query(
            con,
            f"""select record_key from read_csv('{out}/raw_defect_manifest.csv',
                all_varchar = true) except all select record_key from
                read_csv('{sample}/raw_defect_manifest.csv', all_varchar = true)""",
        )
        assert sorted(k for (k,) in manifest) == sorted(deleted)


def test_daily_crm_records_change_in_versions(daily, sample):
    """Versions in the delta window: new leads, stage changes, closed deals, new and
    cancelled subscriptions, paid invoices, a late e-mail event, a deleted opportunity."""
    out, summary = daily
    con = duckdb.connect()
    window = f"load_date > date '{INITIAL}'"

    def count(sql: str) -> int:
        return _query(con, sql)[0][0]

    # new leads: created in the window, Open first, then worked
    assert (
        count(f"""
        select count(*) from (
            select id from {_records(out, "lead")}
            where created_date >= '{INITIAL}' and {window}
            group by id
            having count(*) >= 2 and arg_min(status, {LOADED_AT}) = 'Open'
               and count(distinct status) >= 2)""")
        >= 5
    )
    # leads converted in the window: not converted before, converted from then on
    assert (
        count(f"""
        select count(*) from (
            select id from {_records(out, "lead")} group by id
            having bool_or(status = 'Converted' and is_converted = 'true' and {window})
               and bool_or(status <> 'Converted' and is_converted = 'false'))""")
        >= 1
    )
    opp = _records(out, "opportunity")
    # opportunity stage changes in the window (each version as of its change)
    assert (
        count(f"""
        select count(*) from (
            select id from {opp} where {window} group by id
            having count(distinct stage_name) >= 2)""")
        >= 5
    )
    # deals closed in the window (won or lost), open in an earlier version
    assert (
        count(f"""
        select count(*) from (
            select id from {opp} group by id
            having bool_or(is_closed = 'true' and {window})
               and arg_min(is_closed, {LOADED_AT}) = 'false')""")
        >= 3
    )
    # versions are consistent: is_closed / is_won / probability follow the stage
    stages = "('Prospecting', 'Discovery', 'Demo', 'Proposal', 'Negotiation')"
    assert (
        count(f"""
        select count(*) from {opp}
        where (stage_name in {stages} and (is_closed <> 'false' or is_won <> 'false'))
           or (stage_name = 'Closed Won' and (is_closed <> 'true' or is_won <> 'true'))
           or (stage_name = 'Closed Lost' and (is_closed <> 'true' or is_won <> 'false'))
        """)
        == 0
    )
    # deleted opportunities (not the files layout's soft-deleted rows): created before D0,
    # not deleted in the initial sync, deleted in a sync after it, at the deletion's time
    assert (
        count(f"""
        select count(*) from (
            select id from {opp}
            where id not in (
                select record_key from read_csv('{sample}/raw_defect_manifest.csv',
                    all_varchar = true) where defect_class = 'soft_deleted')
            group by id
            having bool_or(is_deleted = 'true' and {window} and last_modified_date > '{INITIAL}'
                           and load_date = (last_modified_date::timestamp
                                            - interval 2 hour - interval 1 second)::date + 1)
               and arg_min(is_deleted, {LOADED_AT}) = 'false'
               and min(created_date) < '{D0}')""")
        == summary["deleted_opportunities"]
        >= 1
    )
    sub = _records(out, "subscription")
    # new subscriptions: first seen in the window, active, nothing cancelled
    assert (
        count(f"""
        select count(*) from (
            select id from {sub} group by id
            having min(load_date) > date '{INITIAL}'
               and arg_min(status, {LOADED_AT}) = 'active'
               and arg_min(coalesce(ended_at, canceled_at), {LOADED_AT}) is null)""")
        >= 1
    )
    # cancelled subscriptions: active, then cancelled in the window
    assert (
        count(f"""
        select count(*) from (
            select id from {sub} group by id
            having bool_or(status = 'canceled' and ended_at is not null and {window})
               and bool_or(status = 'active' and ended_at is null))""")
        >= 1
    )
    # invoices: open at their period start, paid later
    assert (
        count(f"""
        select count(*) from (
            select id from {_records(out, "invoice")} group by id
            having bool_or(status = 'paid' and {window})
               and arg_min(status, {LOADED_AT}) = 'open')""")
        >= 5
    )
    # a late e-mail event lands in a sync days after it happened
    assert (
        count(f"""
        select count(*)
        from read_csv('{out}/raw_defect_manifest.csv', all_varchar = true) m
        join {_parquet(out, "email_event")} e on e.id = m.record_key
        where m.table_name = 'email_event' and m.defect_class = 'late_arriving_event'
          and {window} and e.load_date >= try_cast(e.created as timestamp)::date + 3""")
        >= 1
    )


def test_daily_initial_sync_holds_each_record_once_as_of_d0(daily):
    """Versions up to the initial sync collapse into it (the latest as of D0 + 1 02:00); a
    sync holds one version per record; only duplicate re-extracts repeat a key in one sync."""
    out, _ = daily
    con = duckdb.connect()
    dupes = {
        (name, key)
        for name, key in _query(
            con,
            f"""select table_name, record_key from read_csv('{out}/raw_defect_manifest.csv',
                all_varchar = true) where defect_class = 'duplicate_reextract'""",
        )
    }
    for t in TABLES:
        if t.name in APPEND_TABLES:
            continue
        key = " || '|' || ".join(f"coalesce(\"{k}\", '')" for k in t.key)
        repeated = _query(
            con,
            f"""select {key} as k, load_date from {_parquet(out, t.name)}
                where "{t.key[0]}" is not null group by all having count(*) > 1""",
        )
        assert {(t.name, k) for k, _ in repeated} <= dupes, t.name
    # as of D0: an opportunity open on 2026-06-01 02:00 and won later is open in the initial sync
    states = _query(
        con,
        f"""select arg_min(is_closed, {LOADED_AT}), min(load_date)
            from {_records(out, "opportunity")} group by id
            having bool_or(is_won = 'true' and load_date > date '{INITIAL}')""",
    )
    assert states and all(first == "false" for first, _ in states)


def test_daily_layout_is_byte_identical_for_the_same_arguments(daily, tmp_path):
    out, _ = daily
    generate(tmp_path, scale=1.0, seed=42, fmt="parquet", layout="daily", deltas_from=D0)
    assert _tree_digest(tmp_path) == _tree_digest(out)


def test_daily_csv_holds_the_same_rows_as_parquet(tmp_path):
    kw = {"scale": 0.1, "seed": 3, "layout": "daily", "deltas_from": D0}
    csv_summary = generate(tmp_path / "c", fmt="csv", **kw)
    pq_summary = generate(tmp_path / "p", fmt="parquet", **kw)
    assert csv_summary["rows_by_load_date"] == pq_summary["rows_by_load_date"]
    con = duckdb.connect()
    for name in ("opportunity", "web_event", "subscription"):
        c = f"""select * exclude (filename) from read_csv('{tmp_path}/c/{name}/*/*.csv',
                all_varchar = true, hive_partitioning = false, filename = true)"""
        p = f"read_parquet('{tmp_path}/p/{name}/*/*.parquet', hive_partitioning = false)"
        assert _only_in(con, c, p) == [] and _only_in(con, p, c) == [], name


def test_daily_sink_memory_is_bounded_by_a_chunk(tmp_path):
    """Rows of many days interleaved: buffered rows never exceed a chunk, every row lands."""
    from abm_warehouse.raw.generator.sinks import DailySink

    sink = DailySink(tmp_path / "t", ["id", LOADED_AT], "csv", INITIAL, chunk_rows=100)
    rows = [
        {"id": str(i), LOADED_AT: f"2026-06-{1 + i % 20:02d}T{i % 24:02d}:00:00Z"}
        for i in range(2_000)
    ]
    for i in range(0, len(rows), 37):
        sink.write(rows[i : i + 37])
        assert sink._pending_rows < 100
    sink.close()
    con = duckdb.connect()
    landed = _query(
        con,
        f"""select id, {LOADED_AT}, load_date::varchar from read_csv('{tmp_path}/t/*/*.csv',
            all_varchar = true, hive_partitioning = true)""",
    )
    assert len(landed) == len(rows)
    for _, loaded, day in landed:
        t = parse_ts(loaded)
        expected = max(
            t.date() + timedelta(days=t.hour > 2 or (t.hour == 2 and t.minute > 0)), INITIAL
        )
        assert day == expected.isoformat()
