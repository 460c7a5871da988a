"""A clean build of the committed sample ends without warnings, and stays that way.

`make dbt-build-test` runs `abm-warehouse check-warnings` on the build it just made (no build of
its own here: these tests are the check's logic and the thresholds' documentation). The
dirty rows the generator injects on purpose are expectations with a documented threshold
(docs/data_quality.md, "Expected flags and orphans"); a warning means a share grew.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import yaml

from abm_warehouse.cli import main
from abm_warehouse.quality.build_warnings import check, log_warnings, warn_results
from abm_warehouse.raw.contract import TABLES
from abm_warehouse.raw.contract_render import (
    FLAG_DEFECTS,
    FOREIGN_KEYS,
    flag_expectation,
    orphan_expectation,
)
from abm_warehouse.raw.contract_render.names import _flags
from abm_warehouse.raw.generator.cli import DEFECT_RATE

BY_NAME = {t.name: t for t in TABLES}
SHARE_TESTS = ("not_flagged", "relationships_at_most", "future_dated_within")


def _run_results(*statuses: str, invocation_id: str = "inv-1") -> dict:
    return {
        "metadata": {"invocation_id": invocation_id},
        "results": [
            {
                "unique_id": f"test.p.t{i}",
                "status": s,
                "failures": 3 if s in ("warn", "fail") else 0,
                "message": "Got 3 results, configured to warn if != 0" if s == "warn" else None,
            }
            for i, s in enumerate(statuses)
        ],
    }


def _log_line(name: str, level: str, msg: str, invocation_id: str = "inv-1") -> str:
    info = {"name": name, "level": level, "msg": msg, "invocation_id": invocation_id}
    return json.dumps({"info": info, "data": {}})


def test_warn_results_lists_only_warns():
    found = warn_results(_run_results("pass", "warn", "success", "fail", "warn"))
    assert [r["unique_id"] for r in found] == ["test.p.t1", "test.p.t4"]
    assert found[0]["failures"] == 3 and "warn if" in found[0]["message"]


def test_log_warnings_are_dbt_warnings_other_than_node_results():
    lines = [
        _log_line("LogTestResult", "warn", "1 of 2 WARN 3 not_flagged_x"),
        _log_line("RunResultWarning", "warn", "[\x1b[33mWARNING\x1b[0m]: in test x"),
        _log_line("MainReportVersion", "info", "Running with dbt=1.12.0"),
        _log_line("DeprecationsSummary", "warn", "[\x1b[33mWARNING\x1b[0m]: Deprecated X"),
        _log_line("JinjaLogWarning", "warn", "an older run's warning", invocation_id="inv-0"),
        "not json",
    ]
    assert log_warnings(lines, "inv-1") == [{"name": "DeprecationsSummary", "msg": "Deprecated X"}]
    assert len(log_warnings(lines)) == 2  # without an invocation id: every run of the file


def test_check_warnings_fails_and_lists_them(tmp_path, capsys):
    (tmp_path / "run_results.json").write_text(json.dumps(_run_results("pass", "warn")))
    log = tmp_path / "dbt.log"
    log.write_text(_log_line("NoNodesSelected", "warn", "Nothing to do") + "\n")
    problems = check(tmp_path, log)
    assert problems == [
        "warn test.p.t1: Got 3 results, configured to warn if != 0",
        "dbt warning NoNodesSelected: Nothing to do",
    ]
    assert main(["check-warnings", "--target", str(tmp_path), "--log", str(log)]) == 1
    err = capsys.readouterr().err
    assert "2 warning(s)" in err and "test.p.t1" in err and "NoNodesSelected" in err


def test_check_warnings_passes_a_clean_build_and_needs_its_files(tmp_path, capsys):
    assert check(tmp_path) and "not found" in check(tmp_path)[0]  # no build, no pass
    (tmp_path / "run_results.json").write_text(json.dumps(_run_results("pass", "success")))
    assert check(tmp_path) == []
    assert "not found" in check(tmp_path, tmp_path / "dbt.log")[0]
    (tmp_path / "dbt.log").write_text(_log_line("LogTestResult", "pass", "PASS") + "\n")
    assert (
        main(["check-warnings", "--target", str(tmp_path), "--log", str(tmp_path / "dbt.log")]) == 0
    )
    assert "no warnings" in capsys.readouterr().out


def _share_tests(project_root: Path):
    """(file, test name, its spec) of every warn test of the models with an expected share."""
    for path in sorted((project_root / "models").rglob("*.yml")):
        doc = yaml.safe_load(path.read_text()) or {}
        for model in doc.get("models") or []:
            for column in model.get("columns") or []:
                for test in column.get("data_tests") or []:
                    if isinstance(test, dict):
                        [(name, spec)] = test.items()
                        if name in SHARE_TESTS and "arguments" in (spec or {}):
                            yield path.relative_to(project_root), name, spec


def test_every_threshold_is_documented_and_bounded(project_root):
    found = list(_share_tests(project_root))
    assert len(found) >= 20  # the sample's standing warnings were turned into these
    for path, name, spec in found:
        assert spec["config"]["severity"] == "warn", path
        assert len(spec.get("description", "")) > 60, f"{path}: {name} has no documented reason"
        share = spec["arguments"].get("max_share")
        if name == "future_dated_within":
            assert share is None and spec["arguments"]["months"] <= 2
            continue
        # 20 % is the largest documented share (the children of the sample's 50 campaigns)
        assert 0 < share <= 0.2, f"{path}: {name} allows {share}"
        assert f"{share * 100:.3g} %" in " ".join(spec["description"].split()), path


def test_thresholds_follow_what_the_generator_injects():
    for t in TABLES:
        for flag, _ in _flags(t):
            expectation = flag_expectation(t, flag)
            if FLAG_DEFECTS[flag] in t.defects:
                assert expectation and 2 * DEFECT_RATE <= expectation[0] <= 3 * DEFECT_RATE
            else:
                assert expectation is None, (t.name, flag)  # not injected: any row warns
    for (child, _), parent in FOREIGN_KEYS.items():
        expectation = orphan_expectation(BY_NAME[child], BY_NAME[parent])
        own = "orphan_foreign_key" in BY_NAME[child].defects
        quarantined = {"null_id", "soft_deleted", "invalid_amount", "invalid_timestamp"}
        if not own and not quarantined & set(BY_NAME[parent].defects):
            assert expectation is None, child  # nothing injected: any orphan warns
            continue
        assert expectation is not None, child
        assert expectation[0] >= 2 * DEFECT_RATE * (
            own + len(quarantined & set(BY_NAME[parent].defects))
        )


def test_the_committed_sample_stays_well_below_its_flag_thresholds(project_root):
    sample = project_root / "seeds" / "raw_sample"
    with (sample / "raw_defect_manifest.csv").open() as f:
        injected = Counter((r["table_name"], r["defect_class"]) for r in csv.DictReader(f))
    for t in TABLES:
        for flag, _ in _flags(t):
            expectation = flag_expectation(t, flag)
            if expectation is None:
                continue
            with (sample / f"{t.name}.csv").open(newline="") as f:
                n_rows = sum(1 for _ in csv.reader(f)) - 1
            share = injected[(t.name, FLAG_DEFECTS[flag])] / n_rows
            assert share <= expectation[0] / 1.5, (t.name, flag, share)
