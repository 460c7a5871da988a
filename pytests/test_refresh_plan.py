"""A refresh builds what changed: inputs.py's digests and plan, and the refresh that uses them.

The refresh runs as a real process with a fake `dbt` ($ABM_DBT_EXECUTABLE) that records its
arguments and writes a one-table warehouse, and a small project folder; whether the planned
build equals a full build on real data is checked by the benchmark at every scale (the
refreshed warehouse's KPIs equal the floor computed from scratch on the next day's files).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from abm_warehouse import contract, inputs

FAKE_DBT = textwrap.dedent(
    """
    #!{python}
    import json, os, sys
    import duckdb

    calls = os.environ["FAKE_DBT_CALLS"]
    with open(calls, "a") as f:
        f.write(json.dumps(sys.argv[1:]) + "\\n")
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
    (root / "dbt_project.yml").write_text("name: fake\n")
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


def refresh(project: dict[str, Path], *extra: str) -> dict:
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
    assert result.returncode == 0, result.stdout + result.stderr
    log = project["live"].parent / "refresh.log"
    return json.loads(log.read_text().splitlines()[-1])


def dbt_calls(project: dict[str, Path]) -> list[list[str]]:
    if not project["calls"].exists():
        return []
    return [json.loads(line) for line in project["calls"].read_text().splitlines()]


def selected(call: list[str]) -> list[str]:
    if "--select" not in call:
        return []
    rest = call[call.index("--select") + 1 :]
    return rest[: rest.index("--exclude")] if "--exclude" in rest else rest


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
    ],
)
def test_plan(previous, current, kind, changed):
    plan = inputs.plan(previous, current)
    assert (plan.kind, plan.changed) == (kind, changed)


def test_inputs_round_trip_through_the_ops_table():
    con = duckdb.connect()
    assert inputs.read_recorded(con) is None
    saved = inputs.Inputs("c0de", "seeds", {"web_event": "d1", "account": "d2"})
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
