"""The marts' public interface: an unversioned breaking change fails, a versioned one passes.

A copy of the project (models, macros, tests, the committed ops/published/manifest.json) in a
temporary directory; each test edits a mart there and runs ``abm-warehouse interface check``
(dbt's breaking-change detection with ``--state ops/published``), then restores it. One dbt
parse in full, the next ones partial: about a minute in all.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from abm_warehouse.quality import mart_interface

MART = "models/marts/channels/kpi_search_monthly"
DROPPED = "share_keywords_in_top_10"
COPIED = ("models", "macros", "tests", "snapshots", "analyses", "ops")


@pytest.fixture(scope="module")
def project(project_root, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("interface") / "project"
    root.mkdir()
    for name in COPIED:
        shutil.copytree(project_root / name, root / name)
    (root / "seeds").symlink_to(project_root / "seeds")
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(project_root / name, root / name)
    return root


def check(project: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "ABM_WAREHOUSE_PATH": str(project / "unused.duckdb")}
    return subprocess.run(
        [sys.executable, "-m", "abm_warehouse.cli", "interface", "check"]
        + ["--project-dir", str(project), "--target", str(project / "target")],
        capture_output=True,
        text=True,
        env=env,
        cwd=project,
    )


def drop_column(sql: str, yml: str) -> tuple[str, str]:
    """kpi_search_monthly without share_keywords_in_top_10 (its SQL lines and YAML entry)."""
    lines = sql.split("\n")
    at = next(i for i, line in enumerate(lines) if line.strip() == f"as {DROPPED},")
    assert "safe_divide" in lines[at - 1]
    sql = "\n".join(lines[: at - 1] + lines[at + 1 :])
    lines = yml.split("\n")
    start = lines.index(f"  - name: {DROPPED}")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("  - name: "))
    return sql, "\n".join(lines[:start] + lines[end:])


@pytest.fixture
def mart(project):
    """The mart's files, restored after the test (new files of the test removed)."""
    sql, yml = project / f"{MART}.sql", project / f"{MART}.yml"
    saved = sql.read_text(), yml.read_text()
    before = set(sql.parent.iterdir())
    yield sql, yml
    sql.write_text(saved[0])
    yml.write_text(saved[1])
    for extra in set(sql.parent.iterdir()) - before:
        extra.unlink()


def test_the_project_keeps_the_published_interface(project):
    result = check(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 problem(s)" in result.stdout


def test_a_dropped_column_of_a_contracted_mart_fails_naming_it(project, mart):
    sql, yml = mart
    new_sql, new_yml = drop_column(sql.read_text(), yml.read_text())
    sql.write_text(new_sql)
    yml.write_text(new_yml)
    result = check(project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "kpi_search_monthly" in result.stdout
    assert "unversioned breaking change" in result.stdout
    assert DROPPED in result.stdout


def test_a_retyped_column_fails(project, mart):
    sql, yml = mart
    text = yml.read_text()
    old = f"  - name: {DROPPED}\n    data_type: double\n"
    assert old in text
    yml.write_text(text.replace(old, f"  - name: {DROPPED}\n    data_type: varchar\n"))
    result = check(project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "kpi_search_monthly" in result.stdout and "double -> varchar" in result.stdout


def test_the_same_change_as_a_new_version_passes(project, mart):
    """v2 drops the column; v1 (the old SQL) keeps the published contract until its date."""
    sql, yml = mart
    new_sql, _ = drop_column(sql.read_text(), yml.read_text())
    (sql.parent / "kpi_search_monthly_v2.sql").write_text(new_sql)
    text = yml.read_text()
    head = "\n- name: kpi_search_monthly\n"
    assert head in text
    yml.write_text(
        text.replace(
            head,
            head
            + "  latest_version: 2\n"
            + "  versions:\n"
            + "  - v: 2\n"
            + f"    columns: [{{include: all, exclude: [{DROPPED}]}}]\n"
            + "  - v: 1\n"
            + "    defined_in: kpi_search_monthly\n"
            + f"    deprecation_date: {dt.date.today() + dt.timedelta(days=180)}\n",
            1,
        )
    )
    result = check(project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_old_version_needs_a_deprecation_date(project):
    published = json.loads((project / "ops/published/manifest.json").read_text())
    node = published["nodes"]["model.abm_warehouse.kpi_search_monthly"]
    v1 = {**node, "version": 1, "latest_version": 2, "unique_id": node["unique_id"] + ".v1"}
    v2 = {**v1, "version": 2, "unique_id": node["unique_id"] + ".v2"}
    v2["columns"] = {k: c for k, c in node["columns"].items() if k != DROPPED}
    versions = {v1["unique_id"]: v1, v2["unique_id"]: v2}
    current = {"metadata": published["metadata"], "nodes": versions}
    only = {"metadata": published["metadata"], "nodes": {node["unique_id"]: node}}
    problems = mart_interface.judge(only, current, [], today=dt.date(2026, 7, 1))
    assert problems == [
        "kpi_search_monthly v1: an old version of a public model needs a deprecation_date "
        "(when consumers must have moved to the latest version)"
    ]
    v1["deprecation_date"] = "2027-06-30T00:00:00"
    assert mart_interface.judge(only, current, [], today=dt.date(2026, 7, 1)) == []


def test_a_removed_public_model_fails_unless_past_its_deprecation_date():
    node = {
        "name": "kpi_x",
        "package_name": "p",
        "resource_type": "model",
        "original_file_path": "models/marts/kpi_x.sql",
        "columns": {},
        "config": {"contract": {"enforced": True}},
        "deprecation_date": None,
    }
    published = {"metadata": {"project_name": "p"}, "nodes": {"model.p.kpi_x": node}}
    current = {"metadata": {"project_name": "p"}, "nodes": {}}
    today = dt.date(2026, 7, 1)
    problems = mart_interface.judge(published, current, [], today)
    assert "was deleted, renamed or disabled" in problems[0]
    node["deprecation_date"] = "2026-06-30"
    assert mart_interface.judge(published, current, [], today) == []


def test_a_python_mart_is_held_to_the_same_column_rule():
    old = {
        "name": "fct_account_ltv",
        "package_name": "p",
        "resource_type": "model",
        "original_file_path": "models/marts/revenue/fct_account_ltv.py",
        "columns": {"a": {"data_type": "double"}, "b": {"data_type": "varchar"}},
        "config": {"contract": {"enforced": False}},
    }
    new = {**old, "columns": {"a": {"data_type": "bigint"}}}
    meta = {"project_name": "p"}
    problems = mart_interface.judge(
        {"metadata": meta, "nodes": {"m": old}}, {"metadata": meta, "nodes": {"m": new}}, []
    )
    assert problems == [
        "fct_account_ltv (models/marts/revenue/fct_account_ltv.py): unversioned breaking change: "
        "column a retyped double -> bigint; column b removed"
    ]


def _manifest_with_grain(name: str, grain: list[str], not_null: list[str], unique=()) -> dict:
    mart = {
        "name": name,
        "resource_type": "model",
        "language": "sql",
        "original_file_path": f"models/marts/x/{name}.sql",
    }
    nodes = {f"model.p.{name}": mart}

    def test(kind: str, column: str | None = None, **kwargs) -> None:
        nodes[f"test.p.{kind}_{column}"] = {
            "resource_type": "test",
            "attached_node": f"model.p.{name}",
            "column_name": column,
            "config": {"where": None},
            "test_metadata": {"name": kind, "kwargs": kwargs},
        }

    test("unique_combination_of_columns", combination_of_columns=grain)
    for column in not_null:
        test("not_null", column)
    for column in unique:
        test("unique", column)
    return {"nodes": nodes}


def test_a_small_mart_whose_grain_columns_are_not_null_gets_a_composite_primary_key():
    keys = mart_interface.model_primary_keys
    both = _manifest_with_grain(
        "kpi_x_monthly", ["metric_month", "segment"], ["metric_month", "segment"]
    )
    assert keys(both) == {"kpi_x_monthly": ["metric_month", "segment"]}
    # a grain column that may be NULL (no not_null test): no primary key (it would refuse NULLs)
    one = _manifest_with_grain("kpi_x_monthly", ["metric_month", "segment"], ["metric_month"])
    assert keys(one) == {}
    # an event-scale mart: no ART index; its uniqueness stays a data test
    large = _manifest_with_grain(
        "fct_account_daily", ["account_id", "state_date"], ["account_id", "state_date"]
    )
    assert keys(large) == {}
    # a column that is a key alone already has the primary key
    alone = _manifest_with_grain("kpi_y", ["a", "b"], ["a", "b"], unique=["a"])
    assert keys(alone) == {}


def test_the_composite_primary_key_is_written_before_the_columns_and_rewritten_in_place():
    text = "\n".join(
        [
            "models:",
            "- name: kpi_x_monthly",
            "  data_tests:",
            "  - unique_combination_of_columns:",
            "      arguments:",
            "        combination_of_columns: [metric_month, segment]",
            "  columns:",
            "  - name: metric_month",
            "  - name: segment",
            "",
        ]
    )
    types = {"metric_month": "date", "segment": "varchar"}
    nn = {"metric_month": ["not_null"], "segment": ["not_null"]}
    first, problems = mart_interface.rewrite_yaml(
        text, "kpi_x_monthly", types, nn, ["metric_month", "segment"]
    )
    assert problems == []
    lines = first.split("\n")
    at = lines.index("  columns:")
    assert lines[at - 1] == "  constraints: [{type: primary_key, columns: [metric_month, segment]}]"
    assert lines[at + 1 : at + 4] == [
        "  - name: metric_month",
        "    data_type: date",
        "    constraints: [{type: not_null}]",
    ]
    again, _ = mart_interface.rewrite_yaml(
        first, "kpi_x_monthly", types, nn, ["metric_month", "segment"]
    )
    assert again == first
    # the grain no longer qualifies: the model-level constraint goes
    dropped, _ = mart_interface.rewrite_yaml(first, "kpi_x_monthly", types, nn, None)
    assert "primary_key" not in dropped
    rest = dropped.split("\n")
    assert (
        rest[rest.index("  columns:") - 1]
        == "        combination_of_columns: [metric_month, segment]"
    )


def test_the_warehouse_refuses_a_second_row_of_a_composite_grain(tmp_path):
    """The constraint as dbt renders it for a contracted model: DuckDB refuses the duplicate."""
    import duckdb

    con = duckdb.connect(str(tmp_path / "pk.duckdb"))
    con.execute(
        "create table kpi_x_monthly (metric_month date not null, segment varchar not null, "
        "n integer, primary key (metric_month, segment))"
    )
    con.execute(
        "insert into kpi_x_monthly values ('2026-01-01', 'ABM', 1), ('2026-01-01', 'all', 2)"
    )
    with pytest.raises(duckdb.ConstraintException, match="Duplicate key"):
        con.execute("insert into kpi_x_monthly values ('2026-01-01', 'ABM', 3)")
