"""A refresh builds what changed: inputs.py's digests and plan, and the refresh that uses them.

The refresh runs as a real process with a fake `dbt` ($ABM_DBT_EXECUTABLE) that records its
arguments and writes a one-table warehouse, and a small project folder; whether the planned
build equals a full build on real data is checked by the benchmark at every scale (the
refreshed warehouse's KPIs equal the floor computed from scratch on the next day's files).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from abm_warehouse.ops import as_of, inputs
from abm_warehouse.raw import contract

FAKE_DBT = textwrap.dedent(
    """
    #!{python}
    import json, os, sys
    import duckdb

    calls = os.environ["FAKE_DBT_CALLS"]
    with open(calls, "a") as f:
        as_of = "AS_OF=" + os.environ.get("ABM_AS_OF_DATE", "")
        f.write(json.dumps(sys.argv[1:] + [as_of]) + "\\n")
    macro = "macro.abm_warehouse.as_of_value"
    manifest = dict(
        macros={macro: dict(depends_on=dict(macros=[]))},
        nodes={
            "model.abm_warehouse.kpi_fake": dict(
                name="kpi_fake", resource_type="model", depends_on=dict(macros=[macro])
            ),
            "model.abm_warehouse.stg_fake": dict(
                name="stg_fake", resource_type="model", depends_on=dict(macros=[])
            ),
        },
    )
    with open(os.path.join(os.environ["DBT_TARGET_PATH"], "manifest.json"), "w") as f:
        json.dump(manifest, f)
    con = duckdb.connect(os.environ["ABM_WAREHOUSE_PATH"])
    con.execute("create schema if not exists marts")
    con.execute("create or replace table marts.kpi_fake as select 1 as value")
    con.close()
    select = sys.argv[sys.argv.index("--select") + 1:] if "--select" in sys.argv else []
    results = [dict(unique_id="model.abm_warehouse.kpi_fake", status="success")]
    if select:
        results.append(dict(unique_id="test.abm_warehouse.not_null_kpi_fake", status="pass"))
    with open(os.path.join(os.environ["DBT_TARGET_PATH"], "run_results.json"), "w") as f:
        json.dump(dict(results=results), f)
    """
).lstrip()


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> dict[str, Path]:
    root = tmp_path / "project"
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text('name: fake\nvars:\n  as_of_date: "2026-06-30"\n')
    (root / "models" / "m.sql").write_text("select 1\n")
    extracts = tmp_path / "extracts"
    extracts.mkdir()
    (extracts / "web_event.csv").write_text("event_id\n1\n")
    (extracts / "account.parquet").write_bytes(b"PAR1 not really")
    dbt = tmp_path / "dbt"
    dbt.write_text(FAKE_DBT.replace("{python}", sys.executable))
    dbt.chmod(0o755)
    calls = tmp_path / "calls.jsonl"
    live = tmp_path / "wh" / "w.duckdb"
    live.parent.mkdir()
    return {"root": root, "extracts": extracts, "dbt": dbt, "calls": calls, "live": live}


def _env(project: dict[str, Path]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ABM_", "DBT_"))}
    env.update(
        ABM_DBT_EXECUTABLE=str(project["dbt"]),
        ABM_RAW_EXTRACTS_PATH=str(project["extracts"]),
        FAKE_DBT_CALLS=str(project["calls"]),
    )
    return env


def refresh(project: dict[str, Path], *extra: str, code: int = 0) -> dict:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "abm_warehouse.cli",
            "refresh",
            "--warehouse",
            str(project["live"]),
            "--skip-freshness",
            "--project-dir",
            str(project["root"]),
            *extra,
        ],
        env=_env(project),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == code, result.stdout + result.stderr
    log = project["live"].parent / "refresh.log"
    return json.loads(log.read_text().splitlines()[-1])


def dbt_calls(project: dict[str, Path]) -> list[list[str]]:
    """dbt's arguments per call (the fake's last entry, the as-of date, left out)."""
    return [call[:-1] for call in _raw_calls(project)]


def _raw_calls(project: dict[str, Path]) -> list[list[str]]:
    if not project["calls"].exists():
        return []
    return [json.loads(line) for line in project["calls"].read_text().splitlines()]


def as_of_seen_by_dbt(project: dict[str, Path]) -> str:
    """ABM_AS_OF_DATE of dbt's last call."""
    return _raw_calls(project)[-1][-1].removeprefix("AS_OF=")


def selected(call: list[str]) -> list[str]:
    if "--select" not in call:
        return []
    rest = call[call.index("--select") + 1 :]
    ends = [i for i, arg in enumerate(rest) if arg.startswith("--")]
    return rest[: ends[0]] if ends else rest


def recorded(live: Path) -> inputs.Inputs | None:
    con = duckdb.connect(str(live), read_only=True)
    try:
        return inputs.read_recorded(con)
    finally:
        con.close()


def test_first_refresh_builds_everything_and_records_its_inputs(project):
    record = refresh(project)
    assert record["status"] == "success"
    assert record["plan"]["kind"] == inputs.FULL
    assert "no record" in record["plan"]["reason"]
    [call] = dbt_calls(project)
    assert call[0] == "build" and selected(call) == []
    assert "--exclude" in call  # own extracts: the sample's seeds are not loaded
    saved = recorded(project["live"])
    assert saved is not None and saved.mode == "extracts"
    assert saved.raw["web_event"] == inputs.file_digest(project["extracts"] / "web_event.csv")
    assert saved.raw["account"] == inputs.file_digest(project["extracts"] / "account.parquet")
    assert saved.raw["opportunity"] == "missing"


def test_nothing_changed_builds_nothing_and_publishes(project):
    refresh(project)
    record = refresh(project)
    assert record["status"] == "success" and record["plan"]["kind"] == inputs.NOTHING
    assert len(dbt_calls(project)) == 1
    assert recorded(project["live"]) is not None


def test_changed_raw_files_build_their_descendants_only(project):
    refresh(project)
    with (project["extracts"] / "web_event.csv").open("a") as f:
        f.write("2\n")
    (project["extracts"] / "opportunity.csv").write_text("id\n1\n")  # a new table
    record = refresh(project)
    assert record["plan"] == {
        "kind": inputs.CHANGED,
        "reason": "2 raw table(s) changed",
        "changed": ["opportunity", "web_event"],
    }
    assert selected(dbt_calls(project)[-1]) == [
        "opportunity+",
        "source:salesforce.opportunity+",
        "web_event+",
        "source:web.web_event+",
    ]
    # a planned build runs the data tests of what it builds; unit tests test code (unchanged)
    call = dbt_calls(project)[-1]
    assert call[call.index("--exclude-resource-type") + 1] == "unit_test"
    # the next run sees the new digests: nothing left to do
    assert refresh(project)["plan"]["kind"] == inputs.NOTHING


def test_project_change_or_all_builds_everything(project):
    refresh(project)
    (project["root"] / "models" / "m.sql").write_text("select 2\n")
    assert refresh(project)["plan"]["kind"] == inputs.FULL
    assert selected(dbt_calls(project)[-1]) == []
    assert refresh(project)["plan"]["kind"] == inputs.NOTHING
    record = refresh(project, "--all")
    assert record["plan"] == {"kind": inputs.FULL, "reason": "--all given", "changed": []}
    assert selected(dbt_calls(project)[-1]) == []


def test_partial_select_clears_the_record_so_the_next_run_is_full(project):
    refresh(project)
    record = refresh(project, "--select", "kpi_fake")
    assert "plan" not in record
    assert selected(dbt_calls(project)[-1]) == ["kpi_fake"]
    assert recorded(project["live"]) is None
    assert refresh(project)["plan"]["kind"] == inputs.FULL


def test_a_later_as_of_date_builds_what_reads_it_and_never_reparses_for_it(project):
    refresh(project)
    assert as_of_seen_by_dbt(project) == "2026-06-30"  # the project's var (no live warehouse)
    record = refresh(project, "--as-of", "2026-07-01")
    assert record["plan"] == {
        "kind": inputs.CHANGED,
        "reason": "the as-of date moved from 2026-06-30 to 2026-07-01",
        "changed": [],
        "as_of_moved": True,
    }
    assert record["as_of_date"] == "2026-07-01" and record["as_of_policy"] == "2026-07-01"
    call = dbt_calls(project)[-1]
    # the models that read the as-of date (manifest of the last build) and their descendants
    assert selected(call) == ["kpi_fake+"]
    # passed in the environment, not as a var: dbt's partial parsing survives
    assert as_of_seen_by_dbt(project) == "2026-07-01" and "--vars" not in call
    assert recorded(project["live"]).as_of == "2026-07-01"
    # without --as-of a refresh keeps the live warehouse's date
    assert refresh(project)["plan"]["kind"] == inputs.NOTHING
    assert refresh(project)["as_of_date"] == "2026-07-01"


def test_the_as_of_date_never_moves_backwards_unless_rebuilt_from_scratch(project):
    refresh(project, "--as-of", "2026-07-01")
    before = recorded(project["live"])
    record = refresh(project, "--as-of", "2026-06-15", code=1)
    assert record["failed_step"] == "plan" and not record["published"]
    assert "backwards, from 2026-07-01 (the live warehouse) to 2026-06-15" in record["error"]
    assert "--full-refresh" in record["error"]
    assert recorded(project["live"]) == before
    record = refresh(project, "--as-of", "2026-06-15", "--full-refresh")
    assert record["plan"]["kind"] == inputs.FULL and record["as_of_date"] == "2026-06-15"
    assert "--full-refresh" in dbt_calls(project)[-1]


def test_as_of_loaded_is_the_day_before_the_newest_load(project):
    record = refresh(project, "--as-of", "loaded", code=1)
    assert record["failed_step"] == "as_of" and "account.parquet" in record["error"]
    (project["extracts"] / "account.parquet").unlink()  # not a Parquet file
    (project["extracts"] / "web_event.csv").write_text(
        "event_id,_loaded_at\n1,2026-12-02T23:10:00Z\n2,2026-12-04T01:55:00+00:00\n"
    )
    record = refresh(project, "--as-of", "loaded")
    assert record["as_of_date"] == "2026-12-03" and record["as_of_policy"] == "loaded"
    assert as_of_seen_by_dbt(project) == "2026-12-03"
    assert "2026-12-04T01:55:00+00:00" in record["as_of_reason"]


def test_delta_folders_plan_appends_as_changes_and_rewrites_as_full_rebuilds(project):
    folder = project["extracts"] / "email_event"
    (folder / "load_date=2026-12-01").mkdir(parents=True)
    (folder / "load_date=2026-12-01" / "part-0.csv").write_text("id\n1\n")
    (folder / "_landing").mkdir()  # a loader's files in progress: not read, not digested
    (folder / "_landing" / "part-9.csv").write_text("id\n9\n")
    refresh(project)
    saved = recorded(project["live"])
    assert list(k for k in saved.raw if k.startswith("email_event")) == [
        "email_event/load_date=2026-12-01/part-0.csv"
    ]
    (folder / "load_date=2026-12-02").mkdir()
    (folder / "load_date=2026-12-02" / "part-0.csv").write_text("id\n2\n")
    record = refresh(project)
    assert record["plan"]["kind"] == inputs.CHANGED and record["plan"]["changed"] == ["email_event"]
    # a sync with nothing new lands empty files (a CSV header, a Parquet file of no rows):
    # nothing a build reads changed
    (folder / "load_date=2026-12-03").mkdir()
    (folder / "load_date=2026-12-03" / "part-0.csv").write_text("id\n")
    duckdb.sql("select 1 as id where false").write_parquet(
        str(folder / "load_date=2026-12-03" / "part-1.parquet")
    )
    assert refresh(project)["plan"]["kind"] == inputs.NOTHING
    # a landed file that changes: incremental models cannot un-read it
    (folder / "load_date=2026-12-01" / "part-0.csv").write_text("id\n1\n3\n")
    record = refresh(project)
    assert record["plan"]["kind"] == inputs.FULL and record["plan"]["full_refresh"]
    assert "email_event" in record["plan"]["reason"]
    assert "--full-refresh" in dbt_calls(project)[-1]


def test_as_of_arguments_are_checked():
    assert as_of.parse_policy(" Loaded ") == "loaded"
    assert as_of.parse_policy("2026-12-03") == "2026-12-03"
    with pytest.raises(ValueError, match="expected one of loaded"):
        as_of.parse_policy("last tuesday")
    now = dt.datetime(2026, 12, 4, 1, 30, tzinfo=dt.UTC)
    assert as_of.resolve("today", now=now)[0] == "2026-12-04"
    assert as_of.resolve("yesterday", now=now)[0] == "2026-12-03"
    assert as_of.resolve("live", live="2026-11-30", project_default="2026-06-30")[0] == (
        "2026-11-30"
    )
    assert as_of.resolve("live", project_default="2026-06-30")[0] == "2026-06-30"
    with pytest.raises(as_of.NoLoadedData):
        as_of.resolve("loaded", locations={})


def test_loaded_at_is_read_once_per_landed_file(tmp_path, monkeypatch):
    folder = tmp_path / "web_event" / "load_date=2026-12-01"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text("event_id,_loaded_at\n1,2026-12-01T01:00:00Z\n")
    locations = inputs.raw_locations(tmp_path, str(tmp_path))
    cache = tmp_path / "cache.json"
    read = []
    original = as_of._max_loaded_at
    monkeypatch.setattr(as_of, "_max_loaded_at", lambda p: read.append(p) or original(p))
    first = as_of.newest_loaded_at(locations, cache)
    assert first == dt.datetime(2026, 12, 1, 1, tzinfo=dt.UTC) and len(read) == 1
    (tmp_path / "web_event" / "load_date=2026-12-02").mkdir()
    (tmp_path / "web_event" / "load_date=2026-12-02" / "a.csv").write_text(
        "event_id,_loaded_at\n2,2026-12-02T01:00:00Z\n"
    )
    locations = inputs.raw_locations(tmp_path, str(tmp_path))
    assert as_of.newest_loaded_at(locations, cache) == dt.datetime(2026, 12, 2, 1, tzinfo=dt.UTC)
    assert len(read) == 2  # only the new file


# ---------------------------------------------------------------------------- inputs.py


def _inputs(**raw: str) -> inputs.Inputs:
    return inputs.Inputs("code", "extracts", raw)


@pytest.mark.parametrize(
    ("previous", "current", "kind", "changed"),
    [
        (None, _inputs(a="1"), inputs.FULL, ()),
        (_inputs(a="1"), inputs.Inputs("other", "extracts", {"a": "1"}), inputs.FULL, ()),
        (_inputs(a="1"), inputs.Inputs("code", "seeds", {"a": "1"}), inputs.FULL, ()),
        (_inputs(a="1", b="2"), _inputs(a="1", b="2"), inputs.NOTHING, ()),
        (_inputs(a="1", b="2"), _inputs(a="1", b="3"), inputs.CHANGED, ("b",)),
        (_inputs(a="1"), _inputs(a="1", c="9"), inputs.CHANGED, ("c",)),
        (_inputs(a="1", c="9"), _inputs(a="1"), inputs.CHANGED, ("c",)),
        # delta folders: a new file is a change, a changed or removed one a rebuild
        (
            _inputs(**{"e/d=1/p.csv": "1"}),
            _inputs(**{"e/d=1/p.csv": "1", "e/d=2/p.csv": "2"}),
            inputs.CHANGED,
            ("e",),
        ),
        (_inputs(**{"e/d=1/p.csv": "1"}), _inputs(**{"e/d=1/p.csv": "9"}), inputs.FULL, ("e",)),
        (
            _inputs(**{"e/d=1/p.csv": "1", "e/d=2/p.csv": "2"}),
            _inputs(**{"e/d=2/p.csv": "2"}),
            inputs.FULL,
            ("e",),
        ),
        (_inputs(e="1"), _inputs(**{"e/d=1/p.csv": "1"}), inputs.FULL, ("e",)),
        (_inputs(e="missing"), _inputs(**{"e/d=1/p.csv": "1"}), inputs.CHANGED, ("e",)),
    ],
)
def test_plan(previous, current, kind, changed):
    plan = inputs.plan(previous, current)
    assert (plan.kind, plan.changed) == (kind, changed)


def test_the_as_of_date_moves_forward_as_a_change_never_backwards():
    before = inputs.Inputs("code", "extracts", {"a": "1"}, "2026-06-30")
    later = inputs.Inputs("code", "extracts", {"a": "1"}, "2026-07-01")
    plan = inputs.plan(before, later)
    assert (plan.kind, plan.changed, plan.as_of_moved) == (inputs.CHANGED, (), True)
    plan = dataclasses.replace(plan, as_of_nodes=("int_as_of", "kpi_x"))
    assert plan.select == ["int_as_of+", "kpi_x+"]
    with pytest.raises(inputs.AsOfBackwards, match="from 2026-07-01 .* to 2026-06-30"):
        inputs.plan(later, before)
    # no date recorded (an older warehouse): rebuilt
    assert inputs.plan(dataclasses.replace(before, as_of=None), later).kind == inputs.FULL


def test_as_of_dependent_nodes_follow_macros_that_read_the_date():
    manifest = {
        "macros": {
            "macro.abm_warehouse.as_of_value": {"depends_on": {"macros": []}},
            "macro.abm_warehouse.as_of_end": {
                "depends_on": {"macros": ["macro.abm_warehouse.as_of_value"]}
            },
            "macro.abm_warehouse.to_month": {"depends_on": {"macros": []}},
        },
        "nodes": {
            "model.p.a": {
                "name": "a",
                "resource_type": "model",
                "depends_on": {"macros": ["macro.abm_warehouse.as_of_end"]},
            },
            "model.p.b": {
                "name": "b",
                "resource_type": "model",
                "depends_on": {"macros": ["macro.abm_warehouse.to_month"]},
            },
            "test.p.t": {
                "name": "t",
                "resource_type": "test",
                "depends_on": {"macros": ["macro.abm_warehouse.as_of_end"]},
            },
        },
    }
    assert inputs.as_of_dependent_nodes(manifest) == ["a"]


def test_inputs_round_trip_through_the_ops_table():
    con = duckdb.connect()
    assert inputs.read_recorded(con) is None
    saved = inputs.Inputs("c0de", "seeds", {"web_event": "d1", "account": "d2"}, "2026-06-30")
    inputs.write_recorded(con, "run-1", saved)
    assert inputs.read_recorded(con) == saved
    inputs.write_recorded(con, "run-2", None)
    assert inputs.read_recorded(con) is None


def test_code_digest_sees_project_files_vars_and_settings_not_raw_sample_or_paths(tmp_path):
    root = tmp_path / "p"
    (root / "macros").mkdir(parents=True)
    (root / "seeds" / "raw_sample").mkdir(parents=True)
    (root / "seeds" / "reference").mkdir()
    (root / "dbt_project.yml").write_text("name: p\n")
    (root / "macros" / "m.sql").write_text("-- a macro\n")
    (root / "seeds" / "raw_sample" / "web_event.csv").write_text("event_id\n1\n")
    (root / "seeds" / "reference" / "channel_rules.csv").write_text("rule\n1\n")
    env = {"ABM_WAREHOUSE_PATH": "a.duckdb", "ABM_THREADS": "2"}
    base = inputs.code_digest(root, None, env)
    # where and how fast: not part of it
    same_env = {"ABM_WAREHOUSE_PATH": "b.duckdb", "ABM_THREADS": "8", "HOME": "/x"}
    assert inputs.code_digest(root, None, same_env) == base
    # a raw table of the sample is an input of its own, not code
    (root / "seeds" / "raw_sample" / "web_event.csv").write_text("event_id\n2\n")
    assert inputs.code_digest(root, None, env) == base
    # vars, other settings, macros and reference seeds are
    assert inputs.code_digest(root, "{as_of_date: '2026-01-31'}", env) != base
    assert inputs.code_digest(root, None, {**env, "ABM_TARGET": "spark"}) != base
    (root / "seeds" / "reference" / "channel_rules.csv").write_text("rule\n2\n")
    changed_seed = inputs.code_digest(root, None, env)
    assert changed_seed != base
    (root / "macros" / "m.sql").write_text("-- another macro\n")
    assert inputs.code_digest(root, None, env) not in (base, changed_seed)


def test_raw_files_prefer_parquet_like_the_raw_relation_macro(tmp_path):
    (tmp_path / "lead.csv").write_text("id\n")
    (tmp_path / "lead.parquet").write_bytes(b"x")
    (tmp_path / "account.csv").write_text("id\n")
    files = inputs.raw_files(tmp_path, str(tmp_path))
    assert files["lead"] == tmp_path / "lead.parquet"
    assert files["account"] == tmp_path / "account.csv"
    assert files["opportunity"] is None
    assert set(files) == {t.name for t in contract.TABLES}


def test_every_raw_table_of_the_contract_is_a_source_of_its_system():
    # the planned selection `source:<system>.<table>+` must name a real source
    plan = inputs.Plan(inputs.CHANGED, "", ("web_event", "opportunity"))
    assert plan.select == [
        "web_event+",
        "source:web.web_event+",
        "opportunity+",
        "source:salesforce.opportunity+",
    ]
    sources = Path(__file__).resolve().parents[1] / "models" / "staging"
    import yaml

    declared = set()
    for path in sources.rglob("_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            declared |= {(source["name"], t["name"]) for t in source["tables"]}
    assert {(t.system, t.name) for t in contract.TABLES} <= declared


def _generations(project: dict[str, Path]) -> list[str]:
    folder = project["live"].parent / "generations"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_planned_refresh_builds_on_the_previous_generation_in_place(project):
    """No copy of the live file: the previous generation (one refresh behind) is the build
    file, planned from its own record, with the live file's run history carried over."""
    first = refresh(project)  # nothing live: built from an empty database
    with (project["extracts"] / "web_event.csv").open("a") as f:
        f.write("2\n")
    second = refresh(project)  # no generation yet: a copy of the live file
    assert second["build_base"] == "copy of the live file"
    assert "copy" in second["steps"]
    assert len(_generations(project)) == 1
    previous = _generations(project)[0]
    with (project["extracts"] / "account.parquet").open("ab") as f:
        f.write(b" and more")
    third = refresh(project)
    assert third["build_base"].startswith("generation ")
    assert "copy" not in third["steps"] and "standby" in third["steps"]
    assert previous not in _generations(project)  # it became the live file
    # planned from what that generation was built from: both days' changes
    assert third["plan"]["kind"] == inputs.CHANGED
    assert third["plan"]["changed"] == ["account", "web_event"]
    con = duckdb.connect(str(project["live"]), read_only=True)
    try:
        runs = con.execute("select run_id from ops.refresh_runs order by 1").fetchall()
    finally:
        con.close()
    # the runs recorded in the live file only (the second) are carried over
    assert [r[0] for r in runs] == sorted(r["run_id"] for r in (first, second, third))


def test_a_live_file_no_refresh_wrote_is_built_on_after_it_is_replaced(project):
    """A live file without run records (`make warehouse`, the benchmark's full build) is
    archived under its mtime's id, and that is the previous generation the next refresh
    builds on."""
    refresh(project)
    con = duckdb.connect(str(project["live"]))
    try:
        con.execute("delete from ops.refresh_runs")
    finally:
        con.close()
    with (project["extracts"] / "web_event.csv").open("a") as f:
        f.write("2\n")
    second = refresh(project)
    assert second["build_base"] == "copy of the live file"
    assert second["previous_generation"] == second["archived_generation"]
    assert any(second["previous_generation"] in g for g in _generations(project))
    with (project["extracts"] / "account.parquet").open("ab") as f:
        f.write(b" and more")
    third = refresh(project)
    assert third["build_base"] == f"generation {second['previous_generation']}"
    assert third["plan"]["changed"] == ["account", "web_event"]


def test_a_reader_of_the_previous_generation_makes_the_refresh_copy(project):
    refresh(project)
    with (project["extracts"] / "web_event.csv").open("a") as f:
        f.write("2\n")
    refresh(project)
    newest = project["live"].parent / "generations" / _generations(project)[-1]
    with (project["extracts"] / "web_event.csv").open("a") as f:
        f.write("3\n")
    reader = duckdb.connect(str(newest), read_only=True)  # DuckDB: no writer while it reads
    try:
        record = refresh(project)
    finally:
        reader.close()
    assert record["build_base"] == "copy of the live file"
    assert newest.name in _generations(project)  # still there for a rollback


def test_nothing_new_or_a_full_build_copies_the_live_file(project):
    refresh(project)
    with (project["extracts"] / "web_event.csv").open("a") as f:
        f.write("2\n")
    refresh(project)
    assert refresh(project)["build_base"] == "copy of the live file"  # plan: nothing
    assert refresh(project, "--all")["build_base"] == "copy of the live file"
    # a date before the live file's is refused before any generation is touched
    before = _generations(project)
    record = refresh(project, "--as-of", "2026-06-01", code=1)
    assert record["failed_step"] == "plan" and "backwards" in record["error"]
    assert _generations(project) == before


def test_after_a_rollback_the_refresh_never_builds_on_the_file_rolled_back_from(project):
    refresh(project)
    for row in ("2", "3"):
        with (project["extracts"] / "web_event.csv").open("a") as f:
            f.write(row + "\n")
        third = refresh(project)
    assert third["build_base"].startswith("generation ")
    result = subprocess.run(
        [
            *(sys.executable, "-m", "abm_warehouse.cli", "refresh"),
            *("--warehouse", str(project["live"]), "--rollback"),
        ],
        env=_env(project),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rolled_back_from = [g for g in _generations(project) if third["generation"] in g]
    assert rolled_back_from  # archived by the rollback, the newest generation
    with (project["extracts"] / "web_event.csv").open("a") as f:
        f.write("4\n")
    record = refresh(project)
    # not the newer file put aside: the live file's own predecessor is gone, so a copy
    assert record["build_base"] == "copy of the live file"
    assert rolled_back_from[0] in _generations(project)


def test_a_planned_refresh_leaves_out_the_tests_a_stored_constraint_makes(tmp_path):
    """not_null on a NOT NULL column, unique on a one-column primary key, the grain test on a
    composite primary key: as the file the refresh builds on stores them, not as the YAML says
    (a table created before its contract has no constraint: its tests run)."""
    from abm_warehouse.ops.refresh.plan import constraint_checked_tests, table_constraints

    build = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(build))
    con.execute("create schema marts")
    con.execute(
        "create table marts.dim_a (a_id varchar primary key, n integer not null, m integer)"
    )
    con.execute(
        "create table marts.kpi_m (metric_month date, segment varchar, r double, "
        "primary key (metric_month, segment))"
    )
    con.execute("create table marts.kpi_old (metric_month date, x integer)")  # no constraint
    con.close()

    def test(name, model, kind, column=None, **kwargs):
        return name, {
            "name": name,
            "resource_type": "test",
            "attached_node": f"model.p.{model}",
            "column_name": column,
            "test_metadata": {"name": kind, "kwargs": {"arguments": kwargs} if kwargs else {}},
        }

    models = {
        f"model.p.{m}": {"name": m, "alias": m, "schema": "marts", "resource_type": "model"}
        for m in ("dim_a", "kpi_m", "kpi_old")
    }
    tests = dict(
        [
            test("not_null_dim_a_a_id", "dim_a", "not_null", "a_id"),
            test("unique_dim_a_a_id", "dim_a", "unique", "a_id"),
            test("not_null_dim_a_n", "dim_a", "not_null", "n"),
            test("not_null_dim_a_m", "dim_a", "not_null", "m"),  # m may be NULL
            test("unique_dim_a_n", "dim_a", "unique", "n"),  # no key on n
            test(
                "grain_kpi_m",
                "kpi_m",
                "unique_combination_of_columns",
                combination_of_columns=["segment", "metric_month"],
            ),
            test("not_null_kpi_m_segment", "kpi_m", "not_null", "segment"),
            test("is_rate_kpi_m_r", "kpi_m", "is_rate", "r"),
            test("not_null_kpi_old_metric_month", "kpi_old", "not_null", "metric_month"),
            test(
                "grain_kpi_old",
                "kpi_old",
                "unique_combination_of_columns",
                combination_of_columns=["metric_month"],
            ),
        ]
    )
    manifest = {"nodes": {**models, **{f"test.p.{k}": v for k, v in tests.items()}}}
    assert constraint_checked_tests(manifest, table_constraints(build)) == [
        "grain_kpi_m",
        "not_null_dim_a_a_id",
        "not_null_dim_a_n",
        "not_null_kpi_m_segment",
        "unique_dim_a_a_id",
    ]
    # no build file yet: every test runs
    assert constraint_checked_tests(manifest, table_constraints(tmp_path / "none.duckdb")) == []


def test_the_planned_build_command_excludes_those_tests():
    from abm_warehouse.ops.refresh.config import Options

    opts = Options(warehouse=Path("w.duckdb"), project_dir=Path("."))
    call = opts.build_cmd(Path("t"), Path("l"), ["web_event+"], False, ["not_null_x_y"])
    assert call[call.index("--exclude") + 1] == "not_null_x_y"
    # a full build runs every test
    assert "not_null_x_y" not in opts.build_cmd(Path("t"), Path("l"), [], False, ["not_null_x_y"])
