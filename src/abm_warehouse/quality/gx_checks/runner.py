"""Running the suites with GX: an ephemeral context, BASIC then SUMMARY results, forked workers,
Data Docs."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from abm_warehouse.quality.gx_checks.suites import Suite

if TYPE_CHECKING:  # pandas and GX load only when a suite runs: a no-op check stays light
    import pandas as pd


def _quiet_gx() -> None:
    os.environ["GX_ANALYTICS_ENABLED"] = "false"


def new_context(docs_dir: Path | None, results_dir: Path | None = None):
    """An ephemeral GX context: in-memory stores, no analytics, Data Docs into docs_dir.

    `results_dir`: keep validation results in files there instead, so that forked workers add
    theirs to the store this process builds Data Docs from. (Suites stay in memory: a suite
    store in files would give the context an id, which Data Docs then add to their links.)
    """
    _quiet_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if docs_dir is not None:
        sites["local_site"] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir.absolute()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    if results_dir is not None:
        defaults.stores[defaults.validation_results_store_name]["store_backend"] = {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(results_dir.absolute()),
        }
    config = DataContextConfig(
        store_backend_defaults=defaults,
        analytics_enabled=False,
        data_docs_sites=sites,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(project_config=config, mode="ephemeral")


@dataclass
class SuiteResult:
    suite: str
    success: bool
    evaluated: int
    failed: list[dict[str, Any]]
    rows: int
    error: str | None = None


def _gx_suite(suite: Suite):
    import great_expectations as gx
    import great_expectations.expectations as gxe

    gx_suite = gx.ExpectationSuite(name=suite.name, meta={"notes": suite.description})
    for e in suite.expectations:
        cls = getattr(gxe, e.kind)
        gx_suite.add_expectation(cls(**e.kwargs, meta={"why": e.why} if e.why else None))
    return gx_suite


# GX's default result format: what the report (unexpected count, sample) and Data Docs (counts
# of unexpected values) show for a failing expectation.
RESULT_FORMAT = "SUMMARY"
# A first pass computes less: BASIC skips SUMMARY's unexpected-index metrics (about a fifth of
# GX's work per expectation). Pass or fail is the same in both formats, and so is what Data Docs
# show for an expectation that passes; a suite with a failing expectation is run again in
# RESULT_FORMAT under the same run id, replacing its first-pass result.
FIRST_PASS_FORMAT = "BASIC"


def _failed(result: Any) -> list[dict[str, Any]]:
    """The report's view of each failing expectation of a suite's validation result."""
    failed = []
    for r in result.results:
        if r.success:
            continue
        config = r.expectation_config
        failed.append(
            {
                "expectation": config.type,
                "kwargs": {
                    k: v
                    for k, v in config.kwargs.items()
                    if k != "batch_id" and (k != "value_set" or len(str(v)) < 120)
                },
                "unexpected_count": (r.result or {}).get("unexpected_count"),
                "observed_value": (r.result or {}).get("observed_value"),
                "sample": ((r.result or {}).get("partial_unexpected_list") or [])[:5],
                "exception": (r.exception_info or {}).get("exception_message")
                if isinstance(r.exception_info, dict)
                else None,
            }
        )
    return failed


@dataclass
class _Check:
    """One suite to run: its GX suite (added to the context), frame and run id."""

    suite: Suite
    gx_suite: Any
    frame: pd.DataFrame
    run_id: Any

    def run(self, context: Any) -> SuiteResult:
        """Add a dataframe asset and a validation definition to `context`, run the suite on
        the frame; GX stores the result in the context's validation results store."""
        import great_expectations as gx

        name = self.suite.name
        asset = context.data_sources.get("warehouse").add_dataframe_asset(name)
        batch_definition = asset.add_batch_definition_whole_dataframe("whole")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=self.gx_suite)
        )
        batch = {"dataframe": self.frame}
        run_id = self.run_id
        result = definition.run(
            batch_parameters=batch, result_format=FIRST_PASS_FORMAT, run_id=run_id
        )
        if not result.success:
            result = definition.run(
                batch_parameters=batch, result_format=RESULT_FORMAT, run_id=run_id
            )
        failed = _failed(result)
        return SuiteResult(name, not failed, len(result.results), failed, len(self.frame))


def default_jobs() -> int:
    """Worker processes for the suites: the CPUs this process may use, at most 4 (Linux;
    elsewhere 1: workers are forked, and fork is only safe to rely on there)."""
    if not sys.platform.startswith("linux"):
        return 1
    return max(1, min(4, len(os.sched_getaffinity(0))))


# Fewer suites than this per worker: not worth a worker.
MIN_SUITES_PER_JOB = 4

# What forked workers run, set just before they fork and inherited (the GX context, suites
# and frames are not pickled); read by `_run_forked`.
_FORKED: tuple[Any, list[_Check]] | None = None


def _run_forked(index: int) -> SuiteResult:
    assert _FORKED is not None
    context, checks = _FORKED
    return checks[index].run(context)


def _run_in_workers(context: Any, checks: list[_Check], jobs: int) -> list[SuiteResult] | None:
    """Each check in one of `jobs` forked workers (None: the workers could not run them).

    A worker adds its assets and validation definitions to its copy of `context`, and its
    results to the context's validation results store: for Data Docs built here, that store
    must be files shared with this process.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _FORKED
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    # the largest first: no worker is left alone with a large suite at the end
    order = sorted(
        range(len(checks)),
        key=lambda i: -len(checks[i].suite.expectations) * (1 + len(checks[i].frame) / 5000),
    )
    results: dict[int, SuiteResult] = {}
    _FORKED = (context, checks)
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            results.update(zip(order, pool.map(_run_forked, order), strict=True))
    except BrokenProcessPool:
        return None
    finally:
        _FORKED = None
    return [results[i] for i in range(len(checks))]


def validate(
    suites: list[Suite],
    frames: dict[str, pd.DataFrame],
    docs_dir: Path | None = None,
    context: Any = None,
    jobs: int = 1,
) -> list[SuiteResult]:
    """Run every suite on its frame through GX's pandas datasource; build Data Docs if asked.

    One context and datasource for the run; per suite a dataframe asset, its suite and a
    validation definition, run on its own (one batch each: a checkpoint passes the same
    dataframe to all its definitions, so it would only add a store round trip per suite).
    With `jobs` > 1 (and no `context` given) the suites run in that many forked worker
    processes: GX validates in pure Python, one core per process. Data Docs are built once,
    at the end, from the stored suites and results.
    """
    import datetime as dt
    import tempfile

    from great_expectations.core.run_identifier import RunIdentifier

    results: dict[str, SuiteResult] = {}
    runnable: list[tuple[Suite, pd.DataFrame, Any]] = []
    last = None
    for suite in suites:
        try:
            frame = suite.frame(frames)
        except Exception as exc:  # a derived frame that cannot be computed is a failure
            error = f"{type(exc).__name__}: {exc}"
            results[suite.name] = SuiteResult(suite.name, False, 0, [], 0, error)
            continue
        # The run id a checkpoint run gives it: a time, no run name. Set here, increasing in
        # suite order whichever worker runs it (Data Docs list the results by run time).
        now = dt.datetime.now(dt.UTC)
        if last is not None and now <= last:
            now = last + dt.timedelta(microseconds=1)
        last = now
        runnable.append((suite, frame, RunIdentifier(run_time=now)))
    workers = 1 if context is not None else min(jobs, len(runnable) // MIN_SUITES_PER_JOB)
    with contextlib.ExitStack() as stack:
        if context is None:
            # workers store their results in files (a temporary folder) that this process
            # builds Data Docs from
            shared = None
            if workers > 1 and docs_dir is not None:
                shared = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="abm-gx-")))
            context = new_context(docs_dir, shared)
        context.data_sources.add_or_update_pandas("warehouse")
        checks = [
            _Check(suite, context.suites.add(_gx_suite(suite)), frame, run_id)
            for suite, frame, run_id in runnable
        ]
        if workers > 1:
            summaries = _run_in_workers(context, checks, workers)
            if summaries is None:  # no worker could run them: all here, from scratch
                return validate(suites, frames, docs_dir, jobs=1)
        else:
            summaries = [check.run(context) for check in checks]
        results.update((r.suite, r) for r in summaries)
        if docs_dir is not None:
            # this run's pages only: earlier runs' validation pages would pile up in the index
            for old in ("validations", "expectations"):
                shutil.rmtree(docs_dir / old, ignore_errors=True)
            docs_dir.mkdir(parents=True, exist_ok=True)
            context.build_data_docs()
    return [results[suite.name] for suite in suites]
