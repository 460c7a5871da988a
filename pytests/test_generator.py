"""The raw-data generator: deterministic, complete, exact about its defects, and coherent."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from abm_warehouse.contract import DEFECT_CLASSES, LOADED_AT, TABLES
from abm_warehouse.generator.cli import generate
from abm_warehouse.generator.defects import parse_ts


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

    from abm_warehouse.generator import crm, events
    from abm_warehouse.generator.story import build_world

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


def test_committed_sample_is_the_generator_output(project_root, tmp_path):
    generate(tmp_path, scale=1.0, seed=42)
    committed = _digest(project_root / "seeds" / "raw_sample")
    fresh = _digest(tmp_path)
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
