"""The KPI coverage check catches what it claims to, on hand-made manifests and catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest

from abm_warehouse.quality.kpi_reference import coverage, load_catalog, problems, render

P = "p"


def _model(name, path, columns, deps=(), description="One row per month. More text."):
    return {
        "resource_type": "model",
        "package_name": P,
        "name": name,
        "original_file_path": path,
        "description": description,
        "columns": {c: {"name": c, "description": d} for c, d in columns.items()},
        "depends_on": {"nodes": [f"model.{P}.{d}" for d in deps]},
    }


def _test(model, column, name):
    return {
        "resource_type": "test",
        "package_name": P,
        "name": f"{name}_{model}_{column}",
        "attached_node": f"model.{P}.{model}",
        "column_name": column,
        "test_metadata": {"name": name},
    }


def _unit(model, name, rows):
    return {"model": model, "name": name, "expect": {"rows": rows, "format": "dict"}}


def _manifest(nodes, unit_tests=(), metrics=()):
    return {
        "metadata": {"project_name": P},
        "nodes": {f"{n['resource_type']}.{P}.{n['name']}": n for n in nodes},
        "unit_tests": {f"unit_test.{P}.{u['name']}": u for u in unit_tests},
        "metrics": {f"metric.{P}.{m['name']}": m for m in metrics},
    }


def _catalog(*kpis):
    return {"sections": {"A": "Test"}, "kpis": list(kpis)}


MART = _model(
    "kpi_x_monthly",
    "models/marts/x/kpi_x_monthly.sql",
    {"win_rate": "win_rate = won / closed.", "won": "Won deals.", "undocumented": ""},
    deps=["int_x"],
)
INT = _model("int_x", "models/intermediate/x/int_x.sql", {"score": "A score."})


def test_a_documented_and_unit_tested_kpi_passes(tmp_path: Path):
    manifest = _manifest(
        [MART, INT, _test("kpi_x_monthly", "win_rate", "is_rate")],
        unit_tests=[_unit("kpi_x_monthly", "hand", [{"win_rate": 0.5, "won": 1}])],
        metrics=[{"name": "win_rate_all", "config": {"meta": {"kpi": "win_rate"}}}],
    )
    catalog = _catalog(
        {
            "name": "win_rate",
            "section": "A",
            "definition": "won / closed",
            "columns": ["kpi_x_monthly.win_rate"],
        }
    )
    kpis = coverage(catalog, manifest)
    assert problems(kpis, tmp_path) == []
    assert kpis[0].unit_tests == ["kpi_x_monthly::hand"]
    assert kpis[0].data_tests == ["is_rate"]
    assert kpis[0].metrics == ["win_rate_all"]
    text = render(catalog, kpis)
    assert "`marts.kpi_x_monthly.win_rate`" in text and "`win_rate_all`" in text


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("kpi_x_monthly.missing", "is not a column of a mart"),
        ("int_x.score", "is not a column of a mart"),  # intermediate models are not marts
        ("kpi_x_monthly.undocumented", "has no description"),
    ],
)
def test_missing_or_undocumented_columns_fail(tmp_path: Path, column, expected):
    manifest = _manifest([MART, INT], unit_tests=[_unit("kpi_x_monthly", "hand", [{"won": 1}])])
    kpis = coverage(
        _catalog({"name": "k", "section": "A", "definition": "d", "columns": [column]}), manifest
    )
    assert any(expected in p for p in problems(kpis, tmp_path))


def test_a_kpi_without_any_test_fails(tmp_path: Path):
    manifest = _manifest([MART, INT], unit_tests=[_unit("kpi_x_monthly", "other", [{"won": 1}])])
    catalog = _catalog(
        {
            "name": "win_rate",
            "section": "A",
            "definition": "d",
            "columns": ["kpi_x_monthly.win_rate"],
        }
    )
    found = problems(coverage(catalog, manifest), tmp_path)
    assert "win_rate: no unit test (dbt or pytest) computes it" in found
    assert "win_rate: no test at all" in found


def test_a_kpi_with_no_column_fails(tmp_path: Path):
    found = problems(
        coverage(_catalog({"name": "k", "section": "A", "definition": "d"}), _manifest([])),
        tmp_path,
    )
    assert "k: no mart column" in found


def test_an_upstream_unit_test_guards_a_column_computed_upstream(tmp_path: Path):
    mart = _model("dim_x", "models/marts/x/dim_x.sql", {"score": "The score."}, deps=["int_x"])
    manifest = _manifest([mart, INT], unit_tests=[_unit("int_x", "score_hand", [{"score": 3}])])
    kpis = coverage(
        _catalog({"name": "score", "section": "A", "definition": "d", "columns": ["dim_x.score"]}),
        manifest,
    )
    assert problems(kpis, tmp_path) == []
    assert kpis[0].unit_tests == ["int_x::score_hand"]


def test_sql_fixtures_are_searched_by_word(tmp_path: Path):
    unit = {
        "model": "kpi_x_monthly",
        "name": "sql",
        "expect": {"rows": "select 1 as won_amount", "format": "sql"},
    }
    manifest = _manifest([MART, INT], unit_tests=[unit])
    kpis = coverage(
        _catalog(
            {"name": "won", "section": "A", "definition": "d", "columns": ["kpi_x_monthly.won"]}
        ),
        manifest,
    )
    assert "won: no test at all" in problems(kpis, tmp_path)  # won_amount is not won


def test_python_model_kpis_need_an_existing_pytest_file(tmp_path: Path):
    mart = _model("kpi_py", "models/marts/x/kpi_py.py", {"rate": "A rate."})
    catalog = _catalog(
        {
            "name": "rate",
            "section": "A",
            "definition": "d",
            "columns": ["kpi_py.rate"],
            "pytests": ["pytests/test_py.py"],
        }
    )
    kpis = coverage(catalog, _manifest([mart]))
    assert "rate: pytest file pytests/test_py.py missing or without tests" in problems(
        kpis, tmp_path
    )
    (tmp_path / "pytests").mkdir()
    (tmp_path / "pytests" / "test_py.py").write_text("def test_rate():\n    assert 1\n")
    assert problems(kpis, tmp_path) == []


def test_the_committed_catalog_loads_and_names_are_unique(project_root: Path):
    catalog = load_catalog(project_root / "docs" / "kpi_catalog.yml")
    names = [k["name"] for k in catalog["kpis"]]
    assert len(names) == len(set(names)) >= 80
    assert all(k["section"] in catalog["sections"] for k in catalog["kpis"])


def test_duplicate_kpi_names_are_refused(tmp_path: Path):
    path = tmp_path / "c.yml"
    path.write_text("kpis:\n  - {name: a}\n  - {name: a}\n")
    with pytest.raises(ValueError, match="duplicate"):
        load_catalog(path)
