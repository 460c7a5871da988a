"""GX suites (abm_warehouse.quality.gx_checks) on hand-made frames: no warehouse build needed.

The run on the real warehouse is the `gx` step of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from abm_warehouse.quality import gx_checks as g
from abm_warehouse.quality.gx_checks import derived, runner

MART = "model.abm.kpi_demo_monthly"


def _test(name: str, column: str | None = None, **kwargs) -> dict:
    return {
        "resource_type": "test",
        "attached_node": MART,
        "column_name": column,
        "test_metadata": {"name": name, "kwargs": kwargs},
    }


MANIFEST = {
    "nodes": {
        MART: {
            "resource_type": "model",
            "name": "kpi_demo_monthly",
            "schema": "marts",
            "columns": {c: {} for c in ("metric_month", "segment", "won", "closed", "win_rate")},
        },
        "model.abm.int_hidden": {"resource_type": "model", "name": "int_hidden", "schema": "x"},
        "test.1": _test(
            "unique_combination_of_columns",
            arguments={"combination_of_columns": ["metric_month", "segment"]},
        ),
        "test.2": _test("is_rate", "win_rate"),
        "test.3": _test("accepted_values", "segment", arguments={"values": ["ABM", "non-ABM"]}),
        "test.4": _test("not_null", "metric_month"),
    }
}


def good_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric_month": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-02-01"]),
            "segment": ["ABM", "non-ABM", "ABM"],
            "won": [1, 0, 2],
            "closed": [2, 0, 4],
            "win_rate": [0.5, None, 0.5],
        }
    )


def broken_frame(breakage: str) -> pd.DataFrame:
    frame = good_frame()
    if breakage == "rate":
        frame.loc[0, "win_rate"] = 1.2
    elif breakage == "duplicate":
        frame.loc[2, "metric_month"] = frame.loc[0, "metric_month"]
    elif breakage == "null_key":
        frame.loc[1, "metric_month"] = pd.NaT
    elif breakage == "segment":
        frame.loc[1, "segment"] = "SMB"
    elif breakage == "negative":
        frame.loc[1, "won"] = -1
    return frame


def run_suites(frame: pd.DataFrame) -> dict[str, g.SuiteResult]:
    marts = g.marts_from_manifest(MANIFEST)
    suites = g.build_suites(marts, {"kpi_demo_monthly": ["won", "closed", "win_rate"]})
    return {r.suite: r for r in g.validate(suites, {"kpi_demo_monthly": frame})}


def failing(result: g.SuiteResult) -> set[tuple[str, str]]:
    return {(f["expectation"], f["kwargs"].get("column", "")) for f in result.failed}


def test_manifest_gives_grain_rates_and_value_sets():
    [(name, spec)] = g.marts_from_manifest(MANIFEST).items()
    assert name == "kpi_demo_monthly"
    assert spec.grain == ["metric_month", "segment"]
    assert spec.rates == {"win_rate"}
    assert spec.accepted == {"segment": ["ABM", "non-ABM"]}
    suite = g.mart_suite(spec, numeric=["won", "win_rate"])
    kinds = {(e.kind, e.kwargs.get("column")) for e in suite.expectations}
    assert ("ExpectColumnValuesToBeBetween", "win_rate") in kinds  # is_rate -> [0, 1]
    assert ("ExpectColumnValuesToBeBetween", "won") in kinds  # KPI count >= 0
    assert ("ExpectColumnValuesToNotBeNull", "segment") in kinds  # grain column
    assert ("ExpectCompoundColumnsToBeUnique", None) in kinds


def test_without_dbt_tested_leaves_out_what_the_dbt_tests_check():
    """A refresh's suites leave out the expectations its dbt build just made as tests (grain,
    not_null, accepted_values, is_rate) and keep the rest: ranges, the grain column without a
    not_null test, the not-empty check."""
    [spec] = g.marts_from_manifest(MANIFEST).values()
    full = g.mart_suite(spec, numeric=["won", "win_rate"])
    lean = g.mart_suite(spec, numeric=["won", "win_rate"], dbt_tested=False)
    kinds = {(e.kind, e.kwargs.get("column")) for e in lean.expectations}
    assert kinds == {
        ("ExpectTableRowCountToBeBetween", None),
        ("ExpectColumnValuesToNotBeNull", "segment"),  # a grain column with no not_null test
        ("ExpectColumnValuesToBeBetween", "won"),  # a KPI count is >= 0: no dbt test of it
    }
    dropped = {(e.kind, e.kwargs.get("column")) for e in full.expectations} - kinds
    assert dropped == {
        ("ExpectCompoundColumnsToBeUnique", None),
        ("ExpectColumnValuesToNotBeNull", "metric_month"),
        ("ExpectColumnValuesToBeInSet", "segment"),
        ("ExpectColumnValuesToBeBetween", "win_rate"),
    }
    # a broken value the dbt tests do not cover still fails the lean suite
    broken = broken_frame("negative")
    [result] = g.validate([lean], {"kpi_demo_monthly": broken})
    assert failing(result) == {("expect_column_values_to_be_between", "won")}


def test_good_frame_passes():
    [result] = run_suites(good_frame()).values()
    assert result.success, result.failed
    assert result.evaluated >= 7


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        ("rate", ("expect_column_values_to_be_between", "win_rate")),
        ("duplicate", ("expect_compound_columns_to_be_unique", "")),
        ("null_key", ("expect_column_values_to_not_be_null", "metric_month")),
        ("segment", ("expect_column_values_to_be_in_set", "segment")),
        ("negative", ("expect_column_values_to_be_between", "won")),
    ],
)
def test_broken_frame_fails(breakage, expected):
    [result] = run_suites(broken_frame(breakage)).values()
    assert not result.success
    assert expected in failing(result)


def test_attribution_weights_must_sum_to_one_per_opportunity_and_model():
    suite = next(s for s in g.derived_suites() if s.name == "fct_attribution__weights_sum_to_one")
    good = pd.DataFrame(
        {
            "opportunity_id": ["o1", "o1", "o1", "o2"],
            "attribution_model": ["linear", "linear", "first_touch", "linear"],
            "attribution_weight": [0.5, 0.5, 1.0, 1.0],
        }
    )
    bad = good.assign(attribution_weight=[0.5, 0.4, 1.0, 1.0])
    [ok] = g.validate([suite], {"fct_attribution": good})
    [ko] = g.validate([suite], {"fct_attribution": bad})
    assert ok.success, ok.failed
    assert not ko.success and ko.failed[0]["kwargs"]["column"] == "weight_sum"


def test_month_grid_must_be_complete():
    suite = derived._grid_suite("kpi_demo_monthly", ("segment",))
    full = pd.DataFrame(
        {
            "metric_month": pd.to_datetime(["2026-01-01"] * 2 + ["2026-02-01"] * 2),
            "segment": ["ABM", "non-ABM"] * 2,
        }
    )
    [ok] = g.validate([suite], {"kpi_demo_monthly": full})
    [missing_row] = g.validate([suite], {"kpi_demo_monthly": full.iloc[:3]})
    gap = full.assign(metric_month=pd.to_datetime(["2026-01-01"] * 2 + ["2026-03-01"] * 2))
    [missing_month] = g.validate([suite], {"kpi_demo_monthly": gap})
    assert ok.success, ok.failed
    assert not missing_row.success
    assert not missing_month.success


def test_data_docs_are_written(tmp_path):
    marts = g.marts_from_manifest(MANIFEST)
    suites = g.build_suites(marts)
    g.validate(suites, {"kpi_demo_monthly": good_frame()}, docs_dir=tmp_path / "docs")
    assert (tmp_path / "docs" / "index.html").is_file()
    assert list((tmp_path / "docs" / "validations").rglob("*.html"))


def test_cli_on_a_warehouse_without_marts_checks_nothing(tmp_path):
    """A stubbed build (the refresh tests) has no manifest or no mart of it: exit 0, no GX."""
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema marts; create table marts.kpi_fake(x int)")
    con.close()
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(MANIFEST))
    gx = [sys.executable, "-m", "abm_warehouse.cli", "gx", "--warehouse", str(db)]

    def cli(*extra):
        return subprocess.run(
            [*gx, *extra], capture_output=True, text=True, cwd=tmp_path, timeout=120
        )

    no_manifest = cli()
    assert no_manifest.returncode == 0, no_manifest.stderr
    assert "no dbt manifest" in no_manifest.stdout
    no_mart = cli("--manifest", str(manifest))
    assert no_mart.returncode == 0, no_mart.stderr
    assert "nothing to check" in no_mart.stdout
    assert cli("--manifest", str(manifest), "--require-all").returncode == 2
    assert cli("--manifest", str(tmp_path / "missing.json")).returncode == 2


BROKEN_BUILDER = """
import os, pathlib, shutil, sys, duckdb
target = pathlib.Path(os.environ["DBT_TARGET_PATH"])  # where dbt build writes its manifest
target.mkdir(parents=True, exist_ok=True)
shutil.copyfile(sys.argv[1], target / "manifest.json")
con = duckdb.connect(os.environ["ABM_WAREHOUSE_PATH"])
con.execute("create schema if not exists marts")
con.execute(
    "create or replace table marts.kpi_demo_monthly as select date '2026-01-01' as metric_month,"
    " 'ABM' as segment, 3 as won, 2 as closed, 1.5 as win_rate"
)
con.close()
"""


def test_refresh_does_not_publish_when_a_suite_fails(tmp_path):
    """The refresh runs `gx` on the build file (post-build check): a failing suite stops it."""
    builder = tmp_path / "builder.py"
    builder.write_text(BROKEN_BUILDER)
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(MANIFEST))
    live = tmp_path / "wh" / "w.duckdb"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "abm_warehouse.cli",
            "refresh",
            "--warehouse",
            str(live),
            "--skip-freshness",
            "--build-command",
            f"{sys.executable} {builder} {manifest}",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert "FAILED at gx" in result.stderr
    assert "win_rate" in result.stdout
    assert not live.exists()


def test_marts_option_checks_only_the_named_models(tmp_path):
    """A planned refresh passes the models it rebuilt: suites of other marts do not run."""
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema marts")
    con.execute(
        "create table marts.kpi_demo_monthly as select date '2026-01-01' as metric_month,"
        " 'ABM' as segment, 3 as won, 2 as closed, 1.5 as win_rate"
    )
    con.close()
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(MANIFEST))

    def cli(*marts):
        return subprocess.run(
            [sys.executable, "-m", "abm_warehouse.cli", "gx", "--warehouse", str(db)]
            + ["--manifest", str(manifest), "--no-docs", "--marts", *marts],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
        )

    named = cli("int_hidden", "kpi_demo_monthly")
    assert named.returncode == 1 and "win_rate" in named.stdout
    others = cli("int_hidden", "fct_not_a_mart")
    assert others.returncode == 0, others.stderr
    assert "nothing to check" in others.stdout
    # a mart above --max-rows is named and left out, not loaded into pandas; 0: no limit
    con = duckdb.connect(str(db))
    con.execute("insert into marts.kpi_demo_monthly select * from marts.kpi_demo_monthly")
    con.close()
    limited = cli("kpi_demo_monthly", "--max-rows", "1")
    assert limited.returncode == 0, limited.stdout
    assert "kpi_demo_monthly not checked: 2 rows > --max-rows 1" in limited.stdout
    assert cli("kpi_demo_monthly", "--max-rows", "2").returncode == 1
    assert cli("kpi_demo_monthly", "--max-rows", "0").returncode == 1


def test_a_rule_on_a_missing_column_fails():
    spec = g.marts_from_manifest(MANIFEST)["kpi_demo_monthly"]
    suite = g.mart_suite(spec, [g.between("renamed_column", 0, 1, "stale rule")])
    [result] = g.validate([suite], {"kpi_demo_monthly": good_frame()})
    assert not result.success
    assert [f["kwargs"]["column"] for f in result.failed] == ["renamed_column"]


def test_a_rate_test_on_a_subset_checks_only_that_subset():
    manifest = {
        "nodes": {
            MART: MANIFEST["nodes"][MART],
            "test.1": {**_test("is_rate", "win_rate"), "config": {"where": "is_rate"}},
            "test.2": {**_test("not_null", "won"), "config": {"where": "won > 0"}},
        }
    }
    [spec] = g.marts_from_manifest(manifest).values()
    assert spec.conditional_rates == {"win_rate": "is_rate"}
    assert spec.rates == set() and spec.not_null == set()  # SQL-filtered tests stay with dbt
    suites = g.build_suites({spec.name: spec})
    frame = pd.DataFrame({"win_rate": [0.5, 7.0], "is_rate": [True, False], "won": [1, None]})
    [result] = g.validate(suites, {spec.name: frame})
    assert result.success, result.failed  # 7.0 is on a row that is not a rate
    frame.loc[0, "win_rate"] = 1.5
    [result] = g.validate(suites, {spec.name: frame})
    assert ("expect_column_values_to_be_between", "win_rate") in failing(result)


# ---------------------------------------------------------------------------- speed, same results

# Eight marts shaped like kpi_demo_monthly: three pass, five are broken each in its own way.
BREAKAGES = ("good", "rate", "duplicate", "good", "null_key", "segment", "good", "negative")


def eight_marts() -> tuple[dict, dict[str, pd.DataFrame]]:
    """A manifest of eight demo marts (the tests of kpi_demo_monthly on each) and their frames."""
    nodes, frames = {}, {}
    for i, breakage in enumerate(BREAKAGES):
        name, uid = f"kpi_demo_{i}_{breakage}", f"model.abm.kpi_demo_{i}"
        nodes[uid] = {**MANIFEST["nodes"][MART], "name": name}
        for key, test in MANIFEST["nodes"].items():
            if key.startswith("test."):
                nodes[f"{key}.{i}"] = {**test, "attached_node": uid}
        frames[name] = broken_frame(breakage)
    return {"nodes": nodes}, frames


def checkpoint_run(suites, frames, docs_dir) -> list[g.SuiteResult]:
    """The run before it was made fast: a checkpoint per suite, GX's default (SUMMARY) results."""
    import great_expectations as gx

    context = g.new_context(docs_dir)
    source = context.data_sources.add_or_update_pandas("warehouse")
    results = []
    for suite in suites:
        asset = source.add_dataframe_asset(suite.name)
        batch_definition = asset.add_batch_definition_whole_dataframe("whole")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(
                name=suite.name,
                data=batch_definition,
                suite=context.suites.add(runner._gx_suite(suite)),
            )
        )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(name=suite.name, validation_definitions=[definition], actions=[])
        )
        frame = suite.frame(frames)
        run = checkpoint.run(batch_parameters={"dataframe": frame})
        [validation] = run.run_results.values()
        failed = runner._failed(validation)
        results.append(
            g.SuiteResult(suite.name, not failed, len(validation.results), failed, len(frame))
        )
    docs_dir.mkdir(parents=True, exist_ok=True)
    context.build_data_docs()
    return results


def docs_pages(docs_dir) -> dict[str, str]:
    """Every Data Docs page, run times, ids and the index's run-time sort keys masked."""
    masks = [
        (r"\d{8}T\d{6}\.\d{6}Z", "<time>"),
        (r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(\+00:00|Z)?", "<time>"),
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>"),
        (r"'_run_time_sort': [0-9.]+", "<sort>"),
    ]
    pages = {}
    for path in sorted(docs_dir.rglob("*.html")):
        if "static" in path.parts:
            continue
        text = path.read_text()
        for pattern, mask in masks:
            text = re.sub(pattern, mask, text)
        pages[re.sub(masks[0][0], "<time>", str(path.relative_to(docs_dir)))] = text
    return pages


def test_fast_run_gives_the_results_and_data_docs_of_a_checkpoint_run(tmp_path, monkeypatch):
    """BASIC first pass, SUMMARY again on failure, no checkpoint, forked workers: the same
    suites, expectations, results (failure details included) and Data Docs pages."""
    manifest, frames = eight_marts()
    suites = g.build_suites(
        g.marts_from_manifest(manifest), {n: ["won", "closed", "win_rate"] for n in frames}
    )
    assert (len(suites), sum(len(s.expectations) for s in suites)) == (8, 64)
    before = checkpoint_run(suites, frames, tmp_path / "before")
    assert [r.success for r in before] == [b == "good" for b in BREAKAGES]
    serial = g.validate(suites, frames, tmp_path / "serial", jobs=1)
    workers = []
    run_in_workers = runner._run_in_workers
    monkeypatch.setattr(
        runner, "_run_in_workers", lambda *a: workers.append(a[2]) or run_in_workers(*a)
    )
    forked = g.validate(suites, frames, tmp_path / "forked", jobs=2)
    assert workers == [2]
    assert serial == before
    assert forked == before
    assert g.summary_lines(forked, []) == g.summary_lines(before, [])
    pages = docs_pages(tmp_path / "before")
    assert len(pages) == 1 + 8 + 8  # the index, a page per suite and per validation result
    assert docs_pages(tmp_path / "serial") == pages
    assert docs_pages(tmp_path / "forked") == pages


# `abm-warehouse gx` on the eight marts before it was made fast (the timing line left out).
REPORT_BEFORE = """\
  ok   kpi_demo_0_good         8 expectations          3 rows
  FAIL kpi_demo_1_rate         8 expectations          3 rows
       - {"expectation": "expect_column_values_to_be_between", "kwargs": {"column": "win_rate", "min_value": 0.0, "max_value": 1.0}, "unexpected_count": 1, "sample": [1.2]}
  FAIL kpi_demo_2_duplicate    8 expectations          3 rows
       - {"expectation": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["metric_month", "segment"], "ignore_row_if": "never"}, "unexpected_count": 2, "sample": [{"metric_month": "2026-01-01 00:00:00", "segment": "ABM"}, {"metric_month": "2026-01-01 00:00:00", "segment": "ABM"}]}
  ok   kpi_demo_3_good         8 expectations          3 rows
  FAIL kpi_demo_4_null_key     8 expectations          3 rows
       - {"expectation": "expect_column_values_to_not_be_null", "kwargs": {"column": "metric_month"}, "unexpected_count": 1, "sample": ["NaT"]}
  FAIL kpi_demo_5_segment      8 expectations          3 rows
       - {"expectation": "expect_column_values_to_be_in_set", "kwargs": {"column": "segment", "value_set": ["ABM", "non-ABM"]}, "unexpected_count": 1, "sample": ["SMB"]}
  ok   kpi_demo_6_good         8 expectations          3 rows
  FAIL kpi_demo_7_negative     8 expectations          3 rows
       - {"expectation": "expect_column_values_to_be_between", "kwargs": {"column": "won", "min_value": 0.0}, "unexpected_count": 1, "sample": [-1]}
gx: 8 suites, 64 expectations, 5 failing suite(s)
"""  # noqa: E501


GOOD_MARTS_REPORT_BEFORE = """\
  ok   kpi_demo_0_good    8 expectations          3 rows
  ok   kpi_demo_3_good    8 expectations          3 rows
  ok   kpi_demo_6_good    8 expectations          3 rows
gx: 3 suites, 24 expectations, 0 failing suite(s)
"""


def eight_marts_warehouse(tmp_path):
    """The eight marts in a DuckDB file, their manifest beside it, and the gx CLI's parser."""
    manifest, frames = eight_marts()
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema marts")
    for name, frame in frames.items():
        con.register("frame", frame)
        con.execute(f"create table marts.{name} as select * from frame")
        con.unregister("frame")
    con.close()
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    parser = argparse.ArgumentParser()
    g.add_arguments(parser)
    return frames, db, parser


def test_cli_report_and_exit_code_are_those_of_before(tmp_path, capsys):
    """In one process or in forked workers: the report and exit code of before; --marts
    naming the passing marts only: exit 0, their lines of before."""
    frames, db, parser = eight_marts_warehouse(tmp_path)

    def gx(*extra: str) -> tuple[int, str]:
        argv = ["--warehouse", str(db), "--manifest", str(tmp_path / "manifest.json"), *extra]
        code = g.run(parser.parse_args(argv))
        out = capsys.readouterr().out
        return code, re.sub(r"(?m)^gx: [0-9.]+s\n", "", out)

    assert gx("--no-docs", "--jobs", "1") == (1, REPORT_BEFORE)
    assert gx("--no-docs", "--jobs", "2") == (1, REPORT_BEFORE)
    good = [n for n in frames if n.endswith("_good")]
    assert gx("--no-docs", "--marts", *good) == (0, GOOD_MARTS_REPORT_BEFORE)


def test_docs_on_failure_renders_the_failing_suites_only(tmp_path, capsys):
    """--docs-on-failure: the report and exit code of a plain run; Data Docs only when a suite
    fails, with the failing suites' validation pages (what a nightly refresh passes)."""
    frames, db, parser = eight_marts_warehouse(tmp_path)
    docs = tmp_path / "docs"

    def gx(*extra: str) -> tuple[int, str]:
        argv = ["--warehouse", str(db), "--manifest", str(tmp_path / "manifest.json")]
        code = g.run(parser.parse_args([*argv, "--docs", str(docs), *extra]))
        out = capsys.readouterr().out
        return code, re.sub(r"(?m)^gx: ([0-9.]+s|Data Docs in .*|every suite passed.*)\n", "", out)

    good = [n for n in frames if n.endswith("_good")]
    assert gx("--docs-on-failure", "--marts", *good) == (0, GOOD_MARTS_REPORT_BEFORE)
    assert not docs.exists()
    assert gx("--docs-on-failure", "--jobs", "2") == (1, REPORT_BEFORE)
    pages = {p.parent.parent.parent.name for p in (docs / "validations").rglob("*.html")}
    assert pages == {n for n in frames if not n.endswith("_good")}


def test_a_worker_that_dies_leaves_the_suites_to_this_process(monkeypatch):
    manifest, frames = eight_marts()
    suites = g.build_suites(g.marts_from_manifest(manifest))
    expected = g.validate(suites, frames, jobs=1)
    parent, run = os.getpid(), runner._Check.run
    monkeypatch.setattr(
        runner._Check,
        "run",
        lambda self, context: run(self, context) if os.getpid() == parent else os._exit(3),
    )
    assert g.validate(suites, frames, jobs=2) == expected


def test_suites_read_only_the_columns_their_expectations_name(tmp_path):
    """The CLI reads a mart's columns that its suite's expectations name (row conditions
    included), whole marts for derived suites; a rule on a column the mart lacks still fails."""
    manifest = {
        "nodes": {
            MART: MANIFEST["nodes"][MART],
            "test.1": {**_test("is_rate", "win_rate"), "config": {"where": "is_rate"}},
        }
    }
    marts = g.marts_from_manifest(manifest)
    suites = g.build_suites(marts, {"kpi_demo_monthly": ["won"]}, dbt_tested=True)
    stale = g.between("renamed_column", 0, 1, "stale rule")
    suites[0].add(stale)
    grid = derived.derived_suites()[0]
    available = {
        "kpi_demo_monthly": ["metric_month", "segment", "won", "closed", "win_rate", "is_rate"],
        **{source: ["a", "b"] for source in grid.sources},
    }
    needed = g.needed_columns([*suites, grid], available)
    assert needed["kpi_demo_monthly"] == ["won", "win_rate", "is_rate"]
    assert all(needed[source] is None for source in grid.sources)

    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema marts")
    con.execute(
        "create table marts.kpi_demo_monthly as select * from (values"
        " (date '2026-01-01', 'ABM', 1, 2, 0.5, true, 'note'),"
        " (date '2026-02-01', 'ABM', 2, 4, 7.0, false, 'note'))"
        " as t(metric_month, segment, won, closed, win_rate, is_rate, unused_note)"
    )
    con.close()
    shapes = g.read_frames(db, ["kpi_demo_monthly", "absent"], "marts", limit=0)
    assert list(shapes) == ["kpi_demo_monthly"] and shapes["kpi_demo_monthly"].empty
    assert list(shapes["kpi_demo_monthly"].columns)[-1] == "unused_note"
    frames = g.read_frames(db, ["kpi_demo_monthly"], "marts", columns=needed)
    assert list(frames["kpi_demo_monthly"].columns) == ["won", "win_rate", "is_rate"]
    [result] = g.validate(suites[:1], frames)
    assert failing(result) == {("expect_column_values_to_be_between", "renamed_column")}
    # no column named at all: one column is read, so the row count holds
    only_rows = g.read_frames(db, ["kpi_demo_monthly"], "marts", columns={"kpi_demo_monthly": []})
    assert only_rows["kpi_demo_monthly"].shape == (2, 1)
