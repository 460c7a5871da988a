"""One refresh run under the lock: clean, build, check, record, publish (or roll back the copy)."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import time
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from abm_warehouse.ops import as_of, inputs, publish_guard
from abm_warehouse.ops.refresh.config import Options, post_build_commands
from abm_warehouse.ops.refresh.database import generation_of, record_and_checkpoint
from abm_warehouse.ops.refresh.lock import LockBusy, StepFailed, exclusive_lock, log, run_step
from abm_warehouse.ops.refresh.paths import (
    EXIT_FAILED,
    EXIT_LOCKED,
    EXIT_OK,
    Paths,
    _remove,
    _remove_with_wal,
    fsync_dir,
    new_run_id,
)
from abm_warehouse.ops.refresh.plan import (
    _changed_brief,
    _freshness_brief,
    _live_as_of,
    _live_plan_is_partial,
    _plan,
    read_built_models,
    read_freshness,
    read_test_results,
    resolve_as_of,
)
from abm_warehouse.ops.refresh.publishing import (
    _clean_stale,
    carry_over_from_live,
    publish,
    standby_generation,
)
from abm_warehouse.ops.refresh.runlog import _base_record, append_log


class _Terminated(Exception):
    pass


def _raise_terminated(signum: int, _frame: Any) -> None:
    raise _Terminated(f"received signal {signal.Signals(signum).name}")


def refresh(opts: Options) -> int:
    paths = Paths(opts.warehouse.absolute())
    run_id = new_run_id()
    record = _base_record("refresh", run_id, paths)
    record.update(
        generation=run_id,
        dbt_version=_version("dbt-core"),
        duckdb_version=_version("duckdb"),
    )
    try:
        with exclusive_lock(paths.lock, _lock_info(record)) as lock_fd:
            return _refresh_locked(opts, paths, record, lock_fd)
    except LockBusy as busy:
        log(str(busy))
        record.update(status="locked", ended_at=datetime.now(UTC).isoformat())
        record["lock_holder"] = busy.holder
        with contextlib.suppress(OSError):
            append_log(paths, record)
        return EXIT_LOCKED


def _lock_info(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in ("action", "run_id", "pid", "host", "started_at")}


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


@contextlib.contextmanager
def _step(record: dict[str, Any], name: str) -> Iterator[None]:
    """Time one step of a refresh into record["steps"] (seconds, in refresh.log)."""
    started = time.monotonic()
    try:
        yield
    finally:
        record.setdefault("steps", {})[name] = round(time.monotonic() - started, 2)


def forget_parse_of_another_checkout(target_path: Path, project_dir: Path) -> str | None:
    """Delete dbt's partial-parse state when another checkout of the project wrote it.

    dbt keeps a seed's absolute `root_path` in `partial_parse.msgpack` and loads the seed's CSV
    from there; partial parsing re-reads changed files only and does not compare that path with
    the project's. A refresh state written by the project at another path (a moved checkout, a
    container that mounts the project elsewhere, a git worktree) would then load the seeds of
    the old path, or fail when it is gone. Returns the other path when the state was deleted
    (dbt parses in full once), else None.
    """
    state = target_path / "partial_parse.msgpack"
    if not state.is_file():
        return None
    try:
        import msgpack

        manifest = msgpack.unpackb(state.read_bytes(), raw=False, strict_map_key=False)
        roots = {
            node["root_path"]
            for node in (manifest.get("nodes") or {}).values()
            if isinstance(node, dict) and node.get("root_path")
        }
    except Exception:  # unreadable: dbt itself discards a state it cannot load
        return None
    here = str(project_dir.resolve())
    other = sorted(r for r in roots if str(Path(r).resolve()) != here)
    if not other:
        return None
    state.unlink()
    return other[0]


def _refresh_locked(opts: Options, paths: Paths, record: dict[str, Any], lock_fd: int) -> int:
    record["cleaned_stale"] = _clean_stale(paths)
    build = paths.build
    target_path = paths.state / "target"
    log_path = paths.state / "logs"
    target_path.mkdir(parents=True, exist_ok=True)
    log_path.mkdir(parents=True, exist_ok=True)
    other_checkout = forget_parse_of_another_checkout(target_path, opts.project_dir)
    if other_checkout:
        record["parse_state_forgotten"] = other_checkout
        log(f"dbt's parse state was written by the project at {other_checkout}: parsing again")
    env = dict(os.environ)
    env.update(
        ABM_WAREHOUSE_PATH=str(build),
        ABM_REFRESH_RUN_ID=record["run_id"],
        DBT_TARGET_PATH=str(target_path),
        DBT_LOG_PATH=str(log_path),
    )
    status, exit_code = "error", EXIT_FAILED
    try:
        # 1. the live file: not opened read-write by anyone; the as-of date it was built at.
        live_as_of = None
        if paths.live.exists():
            if paths.live.with_name(paths.live.name + ".wal").exists():
                raise RuntimeError(
                    f"{paths.live}.wal exists: something opened the live file read-write; "
                    "readers must open it read-only (see docs/operations.md)"
                )
            live_as_of = _live_as_of(paths.live)
        # 2. the as-of date, passed to every dbt step in ABM_AS_OF_DATE (not a var: a new date
        #    then does not make dbt re-parse the project).
        try:
            with _step(record, "as_of"):
                as_of_date, how = resolve_as_of(opts, paths, live_as_of)
        except (as_of.NoLoadedData, ValueError) as exc:
            raise StepFailed("as_of", str(exc)) from None
        record.update(as_of_date=as_of_date, as_of_policy=opts.as_of_policy(), as_of_reason=how)
        env["ABM_AS_OF_DATE"] = as_of_date
        log(f"as-of date {as_of_date} ({how})")
        if not opts.full_refresh:
            # whatever gets built, a refresh never moves the date backwards unless from scratch
            try:
                inputs.check_as_of_forward(live_as_of, as_of_date)
            except inputs.AsOfBackwards as exc:
                raise StepFailed("plan", str(exc)) from None
        # the build file: the previous generation, in place, when the live file's own plan is a
        # partial build (some raw files changed, the as-of date moved), else a copy of the live
        # file (never written in place, so a plain copy)
        if paths.live.exists():
            standby = None
            if not (opts.select or opts.build_command or opts.copy_live):
                standby = standby_generation(paths)
            if standby is not None and not _live_plan_is_partial(opts, paths.live, as_of_date):
                standby = None
            if standby is not None:
                gen_id, gen_path = standby
                log(
                    f"building on generation {gen_id} (the previous live file) in place of a "
                    f"copy of {paths.live.name}; it leaves generations/"
                )
                with _step(record, "standby"):
                    os.replace(gen_path, build)
                    fsync_dir(paths.generations)
                    record["carried_over"] = carry_over_from_live(build, paths.live)
                record["build_base"] = f"generation {gen_id}"
            else:
                log(f"copying {paths.live} -> {build.name}")
                with _step(record, "copy"):
                    shutil.copyfile(paths.live, build)
                record["build_base"] = "copy of the live file"
        else:
            log(f"{paths.live} does not exist: building from an empty database")
        # 3. dbt build: planned from what changed since the live file was built.
        try:
            with _step(record, "plan"):
                current, plan = _plan(
                    opts, build, as_of_date, target_path / "manifest.json", live_as_of
                )
        except inputs.AsOfBackwards as exc:
            raise StepFailed("plan", str(exc)) from None
        if plan is not None:
            record["plan"] = plan.as_dict()
            log(f"plan: {plan.kind} ({plan.reason})" + _changed_brief(plan))
        for stale in ("run_results.json", "sources.json"):
            _remove(target_path / stale)
        built_models: list[str] | None = None  # None: everything
        if plan is not None and plan.kind == inputs.NOTHING:
            record["build_command"] = None
            record["failing_tests"] = []
            built_models = []
        else:
            planned = plan.select if plan is not None and plan.kind == inputs.CHANGED else []
            full_refresh = plan is not None and plan.full_refresh
            excluded = plan.excluded_tests if planned else ()
            build_cmd = opts.build_cmd(target_path, log_path, planned, full_refresh, excluded)
            record["build_command"] = shlex.join(build_cmd)
            with _step(record, "build"):
                code = run_step("build", build_cmd, env, lock_fd, opts.project_dir)
            record["failing_tests"] = read_test_results(target_path)
            if code != 0:
                raise StepFailed("build", f"build exited with code {code}")
            if planned:
                built_models = read_built_models(target_path)
        if not build.exists():
            raise StepFailed("build", f"the build produced no database at {build}")
        # 4. source freshness of what is about to be published.
        if opts.skip_freshness:
            record["freshness"] = {"status": "skipped"}
        else:
            code = run_step(
                "freshness",
                opts.freshness_cmd(target_path, log_path),
                env,
                lock_fd,
                opts.project_dir,
            )
            record["freshness"] = freshness = read_freshness(target_path, code)
            if freshness["status"] in ("error", "unavailable"):
                message = "source freshness: " + _freshness_brief(freshness)
                if opts.fail_on_stale:
                    raise StepFailed("freshness", message)
                log(f"WARNING {message}; publishing anyway (pass --fail-on-stale to stop)")
            elif freshness["status"] == "warn":
                log("WARNING source freshness: " + _freshness_brief(freshness))
        # 5. post-build checks.
        if opts.skip_tests:
            record["tests_skipped"] = True
            log("WARNING --skip-tests: no data tests and no post-build checks ran on this build")
        checks = (
            []
            if opts.skip_tests
            else post_build_commands(
                build,
                opts.check_commands,
                built_models,
                # its own `dbt build` ran the data tests (a --build-command may not have)
                dbt_tested=not opts.build_command,
            )
        )
        for name, command in checks:
            if name == "gx" and built_models == []:
                continue  # no mart was rebuilt: the published suites still hold
            with _step(record, name):
                code = run_step(name, command, env, lock_fd, opts.project_dir)
            if code != 0:
                raise StepFailed(name, f"post-build check {name} exited with code {code}")
        # 5b. the publish guard: implausible changes against the live file stop the publish.
        if not opts.skip_tests and paths.live.exists():
            with _step(record, "guard"):
                blocking, accepted = publish_guard.check(
                    build, paths.live, opts.accept, opts.max_row_drop, opts.max_null_jump
                )
            record["guard"] = {
                "blocking": [f.key for f in blocking],
                "accepted": [f.key for f in accepted],
            }
            text = publish_guard.report(blocking, accepted)
            if text:
                log(text)
            if blocking:
                raise StepFailed(
                    "guard",
                    f"{len(blocking)} implausible change(s) against the live warehouse: "
                    + ", ".join(f.key for f in blocking[:5])
                    + (" ..." if len(blocking) > 5 else ""),
                )
        # 6. ops tables, checkpoint, close. The previous generation is the name publish will
        # archive the live file under (its latest run, or its mtime when no refresh made it:
        # `make warehouse`, a first refresh), so the next refresh can build on it.
        with _step(record, "record"):
            if paths.live.exists():
                record["previous_generation"] = generation_of(paths.live)
            record_and_checkpoint(build, record, current)
        # 7. publish.
        with _step(record, "publish"):
            archived = publish(paths, build, opts.keep)
        record["archived_generation"] = archived
        status, exit_code = "success", EXIT_OK
        log(f"published generation {record['generation']} to {paths.live}")
    except StepFailed as failed:
        status = "failed"
        record.update(failed_step=failed.step, error=str(failed))
        log(f"FAILED at {failed.step}: {failed}; {paths.live} is unchanged")
    except (Exception, _Terminated, KeyboardInterrupt) as exc:
        record.update(error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
        log(f"ERROR {type(exc).__name__}: {exc}; {paths.live} is unchanged")
    finally:
        _remove_with_wal(build)
        record["status"] = status
        record["published"] = status == "success"
        record["ended_at"] = datetime.now(UTC).isoformat()
        record["duration_s"] = round(
            (
                datetime.fromisoformat(record["ended_at"])
                - datetime.fromisoformat(record["started_at"])
            ).total_seconds(),
            3,
        )
        append_log(paths, record)
    return exit_code
