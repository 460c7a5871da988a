"""`abm-warehouse refresh`: lock, build copy, checks, atomic publish, rollback — real processes.

A fast fake builder stands in for `dbt build` (--build-command): it opens $ABM_WAREHOUSE_PATH
read-write and rewrites `marts.kpi_fake` as generation N+1 of the copied file, with a
checksum row so a reader can tell a complete generation from a torn one.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from abm_warehouse import cli
from abm_warehouse.ops import refresh

ROWS = 2000

FAKE_BUILDER = textwrap.dedent(
    f"""
    import argparse, json, os, sys, time
    import duckdb

    p = argparse.ArgumentParser()
    p.add_argument("--sleep", type=float, default=0)
    p.add_argument("--exit", type=int, default=0)
    p.add_argument("--marker")
    p.add_argument("--garbage", action="store_true")
    p.add_argument("--wait-for", help="after the first half, wait until this file exists")
    p.add_argument("--failed-test", help="report this dbt test as failed in run_results.json")
    p.add_argument("--empty", action="store_true", help="publish no rows (a lost extract)")
    a = p.parse_args()
    if a.failed_test:  # what `dbt build` writes when a test fails
        results = [
            dict(unique_id="model.abm.kpi_fake", status="success", failures=None),
            dict(unique_id=a.failed_test, status="fail", failures=3),
        ]
        target = os.path.join(os.environ["DBT_TARGET_PATH"], "run_results.json")
        with open(target, "w") as f:
            json.dump(dict(results=results), f)
    path = os.environ["ABM_WAREHOUSE_PATH"]
    if a.garbage:
        open(path, "wb").write(b"not a duckdb file" * 100)
        sys.exit(0)
    con = duckdb.connect(path)
    con.execute("create schema if not exists marts")
    con.execute("create schema if not exists staging")
    con.execute("create table if not exists marts.kpi_fake(generation int, value int)")
    n = con.execute("select coalesce(max(generation), 0) + 1 from marts.kpi_fake").fetchone()[0]
    con.execute("delete from marts.kpi_fake")
    # half a generation, then (maybe) a long pause: a torn state only the build file sees
    con.execute("insert into marts.kpi_fake select ?, i from range({ROWS // 2}) t(i)", [n])
    con.execute("checkpoint")
    if a.marker:
        open(a.marker, "w").write(str(os.getpid()))
    time.sleep(a.sleep)
    deadline = time.monotonic() + 300
    while a.wait_for and not os.path.exists(a.wait_for) and time.monotonic() < deadline:
        time.sleep(0.02)
    con.execute("insert into marts.kpi_fake select ?, i from range({ROWS // 2}, {ROWS}) t(i)", [n])
    con.execute("insert into marts.kpi_fake values (?, ?)", [n, -sum(range({ROWS}))])
    con.execute(
        "create or replace view staging.stg_fake as select * from marts.kpi_fake where value >= 0"
    )
    if a.empty:
        con.execute("delete from marts.kpi_fake")
    con.close()
    sys.exit(a.exit)
    """
)

READER = textwrap.dedent(
    """
    import json, os, sys, time
    import duckdb

    # Query the live file in a loop until `stop` exists, then AFTER_STOP more times. After
    # every read, `progress` holds the reads so far and the generations seen (atomically
    # replaced), so the test can wait for what it needs instead of guessing a time window.
    path, mode, progress, stop = sys.argv[1:5]
    seen, errors, reads, after_stop = [], [], 0, 0
    con = duckdb.connect(path, read_only=True) if mode == "hold" else None
    deadline = time.monotonic() + TIMEOUT
    while after_stop < AFTER_STOP:
        if time.monotonic() > deadline:
            errors.append("timed out: the stop file never appeared")
            break
        stopping = os.path.exists(stop)
        try:
            c = con or duckdb.connect(path, read_only=True)
            n, lo, hi, total = c.execute(
                "select count(*), min(generation), max(generation), sum(value) "
                "from marts.kpi_fake"
            ).fetchone()
            if c is not con:
                c.close()
            reads += 1
            if n != EXPECTED_ROWS or lo != hi or total != 0:
                errors.append(f"torn read: rows={n} gens={lo}..{hi} checksum={total}")
            if lo not in seen:
                seen.append(lo)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        after_stop += stopping
        tmp = progress + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"seen": seen, "errors": errors, "reads": reads}, f)
        os.replace(tmp, progress)
        time.sleep(0.01)
    """
).replace("EXPECTED_ROWS", str(ROWS + 1))
READER_TIMEOUT = 600  # seconds: only a safety net, never the measure of a passing run
READER = READER.replace("AFTER_STOP", "5").replace("TIMEOUT", str(READER_TIMEOUT))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, Path]:
    builder = tmp_path / "fake_builder.py"
    builder.write_text(FAKE_BUILDER)
    reader = tmp_path / "reader.py"
    reader.write_text(READER)
    wh_dir = tmp_path / "wh"
    wh_dir.mkdir()
    return {"tmp": tmp_path, "builder": builder, "reader": reader, "live": wh_dir / "w.duckdb"}


def cmd(env: dict[str, Path], *extra: str, builder_args: str = "") -> list[str]:
    build = f"{sys.executable} {env['builder']} {builder_args}".strip()
    return [
        sys.executable,
        "-m",
        "abm_warehouse.cli",
        "refresh",
        "--warehouse",
        str(env["live"]),
        "--skip-freshness",
        "--build-command",
        build,
        *extra,
    ]


def run_refresh(env, *extra, builder_args="", timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(
        cmd(env, *extra, builder_args=builder_args),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=env["tmp"],
    )


def cli_run(env, *args, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "abm_warehouse.cli",
            "refresh",
            "--warehouse",
            str(env["live"]),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=env["tmp"],
    )


def live_generation(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        n, lo, hi, total = con.execute(
            "select count(*), min(generation), max(generation), sum(value) from marts.kpi_fake"
        ).fetchone()
    finally:
        con.close()
    assert (n, lo, total) == (ROWS + 1, hi, 0)
    return lo


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def log_records(live: Path) -> list[dict]:
    log = live.parent / "refresh.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def leftovers(live: Path) -> list[str]:
    return sorted(
        p.name
        for p in live.parent.iterdir()
        if p.name.startswith(live.name + ".build") or ".rollback-" in p.name
    )


def ok(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------------- publishing


def test_first_refresh_builds_from_empty_and_records_ops_tables(env):
    ok(run_refresh(env))
    live = env["live"]
    assert live_generation(live) == 1
    assert not live.with_name(live.name + ".wal").exists()
    assert leftovers(live) == []
    [record] = log_records(live)
    assert record["status"] == "success" and record["published"] is True
    con = duckdb.connect(str(live), read_only=True)
    try:
        runs = con.execute(
            "select run_id, status, generation, as_of_date, dbt_version, duckdb_version, "
            "row_counts::varchar, failing_tests::varchar, freshness::varchar "
            "from ops.refresh_runs"
        ).fetchall()
        counts = con.execute(
            "select schema_name, table_name, row_count from ops.refresh_row_counts "
            "where run_id = ? order by 1, 2",
            [record["run_id"]],
        ).fetchall()
    finally:
        con.close()
    [(run_id, status, generation, as_of, dbt_v, duck_v, row_counts, failing, fresh)] = runs
    assert (run_id, status, generation) == (record["run_id"], "success", record["generation"])
    assert as_of == "2026-06-30"  # the project's as_of_date var
    assert dbt_v and duck_v == duckdb.__version__
    assert json.loads(row_counts) == {"marts.kpi_fake": ROWS + 1}
    assert json.loads(failing) == [] and json.loads(fresh) == {"status": "skipped"}
    assert counts == [("marts", "kpi_fake", ROWS + 1), ("staging", "stg_fake", ROWS)]


def test_successive_refreshes_keep_incremental_state_history_and_prune(env):
    live = env["live"]
    for _ in range(4):
        ok(run_refresh(env, "--keep", "2"))
    assert live_generation(live) == 4  # each build started from a copy of the live file
    records = log_records(live)
    paths = refresh.Paths(live)
    gens = paths.list_generations()
    # generations 1..3 were archived in turn; keep 2 -> the files of runs 2 and 3
    assert [g for g, _ in gens] == [r["generation"] for r in records[1:3]]
    assert [live_generation(p) for _, p in gens] == [2, 3]
    con = duckdb.connect(str(live), read_only=True)
    try:
        history = con.execute("select run_id from ops.refresh_runs order by started_at").fetchall()
        counted = con.execute(
            "select count(distinct run_id) from ops.refresh_row_counts"
        ).fetchone()
    finally:
        con.close()
    assert [h[0] for h in history] == [r["run_id"] for r in records]
    assert counted == (4,)


def read_progress(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {"seen": [], "errors": [], "reads": 0}


def wait_for(condition, what: str, timeout: float = 120) -> None:
    """Poll ``condition`` until true; generous timeout, so CPU load only slows the test."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_readers_see_only_complete_generations_and_never_error(env):
    live = env["live"]
    ok(run_refresh(env))  # generation 1 for the readers to start on
    stop = env["tmp"] / "readers.stop"
    readers = {}
    for mode in ("reopen", "hold"):
        progress = env["tmp"] / f"reader-{mode}.json"
        proc = subprocess.Popen(
            [sys.executable, str(env["reader"]), str(live), mode, str(progress), str(stop)]
        )
        readers[mode] = (proc, progress)
    try:
        for _mode, (_proc, progress) in readers.items():
            wait_for(lambda p=progress: read_progress(p)["reads"] >= 3, "readers to start")
        for generation in (2, 3, 4):
            before = {m: read_progress(p)["reads"] for m, (_, p) in readers.items()}
            # the readers keep querying while the build runs and while it is published
            ok(run_refresh(env, builder_args="--sleep 0.5"))
            # a reader that reopens sees each new generation once it is published ...
            wait_for(
                lambda g=generation: g in read_progress(readers["reopen"][1])["seen"],
                f"the reopening reader to see generation {generation}",
            )
            # ... and both went on reading through the build and the publish
            for mode, (_, progress) in readers.items():
                wait_for(
                    lambda p=progress, n=before[mode] + 5: read_progress(p)["reads"] >= n,
                    f"reader {mode} to read on after publishing generation {generation}",
                )
        stop.touch()
        results = {}
        for mode, (proc, progress) in readers.items():
            assert proc.wait(timeout=READER_TIMEOUT) == 0
            results[mode] = read_progress(progress)
    finally:
        stop.touch()
        for proc, _ in readers.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for mode, result in results.items():
        assert result["errors"] == [], mode
    # the reopening reader saw every generation, in order, each complete; one that holds its
    # connection keeps reading the file it opened (the old inode), consistently, without
    # blocking the build
    assert results["reopen"]["seen"] == [1, 2, 3, 4]
    assert results["hold"]["seen"] == [1]
    assert live_generation(live) == 4


def test_publish_replaces_live_under_an_open_read_only_connection(env):
    live = env["live"]
    ok(run_refresh(env))
    held = duckdb.connect(str(live), read_only=True)
    try:
        ok(run_refresh(env))
        assert held.execute("select max(generation) from marts.kpi_fake").fetchone() == (1,)
    finally:
        held.close()
    assert live_generation(live) == 2


# ---------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("extra", "builder_args", "step"),
    [
        ((), "--exit 1", "build"),  # dbt build with failing tests
        (("--check-command", f"{sys.executable} -c 'raise SystemExit(3)'"), "", "check-1"),
    ],
)
def test_failed_build_or_check_leaves_live_byte_identical(env, extra, builder_args, step):
    live = env["live"]
    ok(run_refresh(env))
    before = sha256(live)
    result = run_refresh(env, *extra, builder_args=builder_args)
    assert result.returncode == 1
    assert f"FAILED at {step}" in result.stderr
    assert sha256(live) == before
    assert leftovers(live) == []
    assert refresh.Paths(live).list_generations() == []  # nothing was archived either
    last = log_records(live)[-1]
    assert (last["status"], last["failed_step"], last["published"]) == ("failed", step, False)
    assert live_generation(live) == 1


def test_failing_tests_are_recorded_in_the_log_and_in_the_next_published_ops(env):
    live = env["live"]
    ok(run_refresh(env))
    test_id = "test.abm.not_null_kpi_fake_value.abc123"
    result = run_refresh(env, builder_args=f"--failed-test {test_id} --exit 1")
    assert result.returncode == 1 and "FAILED at build" in result.stderr
    failed = log_records(live)[-1]
    assert failed["failing_tests"] == [{"unique_id": test_id, "status": "fail", "failures": 3}]
    ok(run_refresh(env))
    con = duckdb.connect(str(live), read_only=True)
    try:
        runs = con.execute(
            "select run_id, status, generation, failed_step, error, failing_tests::varchar "
            "from ops.refresh_runs order by started_at"
        ).fetchall()
    finally:
        con.close()
    records = log_records(live)
    assert [r[:3] for r in runs] == [
        (records[0]["run_id"], "success", records[0]["generation"]),
        (failed["run_id"], "failed", None),  # never published: no generation
        (records[2]["run_id"], "success", records[2]["generation"]),
    ]
    assert runs[1][3:5] == ("build", "build exited with code 1")
    assert json.loads(runs[1][5]) == failed["failing_tests"]
    assert runs[2][3:] == (None, None, "[]")
    # the generation of the live file is the last published run, not the failed one
    assert refresh.generation_of(live) == records[2]["generation"]
    ok(run_refresh(env))  # recorded once, not again by every later run
    con = duckdb.connect(str(live), read_only=True)
    try:
        assert con.execute(
            "select count(*) from ops.refresh_runs where status = 'failed'"
        ).fetchone() == (1,)
    finally:
        con.close()


def test_exception_leaves_live_byte_identical(env):
    live = env["live"]
    ok(run_refresh(env))
    before = sha256(live)
    result = run_refresh(env, builder_args="--garbage")  # the ops step cannot open the file
    assert result.returncode == 1
    assert sha256(live) == before and leftovers(live) == []
    last = log_records(live)[-1]
    assert last["status"] == "error" and "Exception" in last["error"]


def test_check_command_sees_the_build_file_and_passes(env):
    live = env["live"]
    probe = env["tmp"] / "probe.txt"
    check = f"{sys.executable} -c \"open('{probe}', 'w').write(__import__('sys').argv[1])\""
    ok(run_refresh(env, "--check-command", check + " {warehouse}"))
    checked = Path(probe.read_text())
    # one fixed build file (dbt's partial parsing survives), gone after the publish
    assert checked.name == live.name + ".build" and not checked.exists()


def start_slow_refresh(env, **popen_kwargs) -> subprocess.Popen:
    """Start a refresh whose fake builder sleeps, and return once the builder is running."""
    marker = env["tmp"] / "builder.pid"
    proc = subprocess.Popen(
        cmd(env, builder_args=f"--sleep 60 --marker {marker}"),
        cwd=env["tmp"],
        stdout=subprocess.DEVNULL,
        **popen_kwargs,
    )
    deadline = time.monotonic() + 180
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the fake builder never started"
    return proc


def test_sigkill_mid_build_leaves_live_intact_and_next_run_cleans_up(env):
    live = env["live"]
    ok(run_refresh(env))
    before = sha256(live)
    proc = start_slow_refresh(env, stderr=subprocess.DEVNULL, start_new_session=True)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=120)
    assert sha256(live) == before
    stale = leftovers(live)
    assert live.name + ".build" in stale  # the killed run's half-built file
    assert refresh.read_lock_holder(refresh.Paths(live).lock)["pid"] == proc.pid  # stale lock

    result = run_refresh(env)
    ok(result)
    assert leftovers(live) == []
    assert live_generation(live) == 2  # built from generation 1, not from the torn file
    assert set(log_records(live)[-1]["cleaned_stale"]) >= {n for n in stale if ".build" in n}


def test_sigterm_mid_build_abandons_the_run_cleanly(env):
    live = env["live"]
    ok(run_refresh(env))
    before = sha256(live)
    proc = start_slow_refresh(env, stderr=subprocess.PIPE, text=True)
    proc.send_signal(signal.SIGTERM)  # e.g. `systemctl stop`: the refresh process only
    assert proc.wait(timeout=120) == 1
    assert "SIGTERM" in proc.stderr.read()
    assert sha256(live) == before and leftovers(live) == []
    last = log_records(live)[-1]
    assert last["status"] == "error" and "SIGTERM" in last["error"]
    builder_pid = int((env["tmp"] / "builder.pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(builder_pid, 0)  # the build did not live on as an orphan


def test_two_refreshes_at_once_one_runs_the_other_exits_75(env):
    live = env["live"]
    ok(run_refresh(env))
    # The winner's build waits for `release`, so the loser must be refused while the winner
    # still holds the lock: no time window decides the outcome.
    release = env["tmp"] / "release"
    procs = [
        subprocess.Popen(
            cmd(env, builder_args=f"--wait-for {release}"),
            cwd=env["tmp"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        wait_for(lambda: any(p.poll() is not None for p in procs), "one refresh to be refused")
        [loser] = [p for p in procs if p.poll() is not None]
        [winner] = [p for p in procs if p is not loser]
        assert winner.poll() is None  # refused at once, not after waiting for the build
        assert loser.returncode == 75
        message = loser.stderr.read()
    finally:
        release.touch()
    assert winner.wait(timeout=180) == 0
    winner.stderr.read()
    assert f"pid {winner.pid}" in message and str(refresh.Paths(live).lock) in message
    assert live_generation(live) == 2
    statuses = sorted(r["status"] for r in log_records(live)[1:])
    assert statuses == ["locked", "success"]


# ---------------------------------------------------------------------------- rollback


def test_rollback_restores_previous_generations_and_can_roll_forward(env):
    live = env["live"]
    for _ in range(3):
        ok(run_refresh(env))
    generations = [r["generation"] for r in log_records(live)]
    result = cli_run(env, "--rollback")
    ok(result)
    assert live_generation(live) == 2
    ok(cli_run(env, "--rollback"))  # again: the generation before that one
    assert live_generation(live) == 1
    ok(cli_run(env, "--rollback", "--to", generations[2]))  # forward to the newest run
    assert live_generation(live) == 3
    rollbacks = [r for r in log_records(live) if r["action"] == "rollback"]
    assert [(r["from_generation"], r["to_generation"]) for r in rollbacks] == [
        (generations[2], generations[1]),
        (generations[1], generations[0]),
        (generations[0], generations[2]),
    ]
    assert leftovers(live) == []
    # a refresh after a rollback builds on the rolled-back data
    ok(cli_run(env, "--rollback", "--to", generations[0]))
    ok(run_refresh(env))
    assert live_generation(live) == 2


def test_rollback_errors_without_generations_and_on_unknown_name(env):
    result = cli_run(env, "--rollback")
    assert result.returncode == 1 and "no generations" in result.stderr
    ok(run_refresh(env))
    ok(run_refresh(env))
    result = cli_run(env, "--rollback", "--to", "19990101")
    assert result.returncode == 1 and "matches 0 generations" in result.stderr
    assert live_generation(env["live"]) == 2


def test_status_lists_live_generations_and_runs(env):
    ok(run_refresh(env))
    ok(run_refresh(env))
    result = cli_run(env, "--status")
    ok(result)
    gens = [r["generation"] for r in log_records(env["live"])]
    assert f"live generation {gens[1]}" in result.stdout
    assert gens[0] in result.stdout and "lock" in result.stdout and "free" in result.stdout
    # the live warehouse's as-of date, and each run's
    assert "  as of 2026-06-30\n" in result.stdout
    assert result.stdout.count("as of 2026-06-30  ") == 2


# ---------------------------------------------------------------------------- units


def test_freshness_summary_and_fail_on_stale(env, tmp_path):
    sources = {
        "results": [
            {"unique_id": "source.p.a.t1", "status": "pass"},
            {"unique_id": "source.p.a.t2", "status": "warn"},
            {"unique_id": "source.p.a.t3", "status": "error"},
        ]
    }
    writer = env["tmp"] / "fake_freshness.py"
    writer.write_text(
        "import json, os, pathlib\n"
        "p = pathlib.Path(os.environ['DBT_TARGET_PATH']) / 'sources.json'\n"
        f"p.write_text(json.dumps({sources!r}))\n"
        "raise SystemExit(1)\n"
    )
    base = [a for a in cmd(env) if a != "--skip-freshness"]
    fresh = ["--freshness-command", f"{sys.executable} {writer}"]
    # default: record and warn, publish anyway
    result = subprocess.run(base + fresh, capture_output=True, text=True, cwd=env["tmp"])
    ok(result)
    assert "WARNING source freshness: error" in result.stderr
    freshness = log_records(env["live"])[-1]["freshness"]
    assert freshness["status"] == "error" and freshness["error"] == ["source.p.a.t3"]
    assert freshness["warn"] == ["source.p.a.t2"]
    before = sha256(env["live"])
    result = subprocess.run(
        base + fresh + ["--fail-on-stale"], capture_output=True, text=True, cwd=env["tmp"]
    )
    assert result.returncode == 1 and "FAILED at freshness" in result.stderr
    assert sha256(env["live"]) == before and leftovers(env["live"]) == []


def test_post_build_checks_run_gx_once_registered(monkeypatch, tmp_path):
    build = tmp_path / "w.duckdb.build-x"
    monkeypatch.delitem(cli.COMMANDS, "gx", raising=False)
    assert refresh.post_build_commands(build) == []
    monkeypatch.setitem(cli.COMMANDS, "gx", ("abm_warehouse.gx", "data-quality suites"))
    [(name, command)] = refresh.post_build_commands(build, ["mycheck --db {warehouse}"])[:1]
    assert name == "gx"
    assert command[-5:] == [
        "abm_warehouse.cli",
        "gx",
        "--warehouse",
        str(build),
        "--docs-on-failure",  # Data Docs of the failing suites only, in a scheduled run
    ]
    assert refresh.post_build_commands(build, ["mycheck --db {warehouse}"])[1] == (
        "check-1",
        ["mycheck", "--db", str(build)],
    )
    # after the refresh's own dbt build (its data tests ran): without what they checked
    [(_, tested)] = refresh.post_build_commands(build, only=["kpi_x"], dbt_tested=True)
    assert tested[-4:] == ["--docs-on-failure", "--without-dbt-tested", "--marts", "kpi_x"]


def test_default_build_command_is_dbt_build_on_the_project(tmp_path, monkeypatch):
    monkeypatch.delenv("ABM_RAW_EXTRACTS_PATH", raising=False)
    opts = refresh.Options(
        warehouse=tmp_path / "w.duckdb", select=["marts"], full_refresh=True, project_dir=tmp_path
    )
    command = opts.build_cmd(tmp_path / "t", tmp_path / "l")
    assert command[1] == "build" and Path(command[0]).name == "dbt"
    assert command[command.index("--project-dir") + 1] == str(tmp_path)
    assert command[command.index("--profiles-dir") + 1] == str(tmp_path)
    assert command[command.index("--select") + 1] == "marts" and "--full-refresh" in command
    assert "--exclude" not in command
    monkeypatch.setenv("ABM_RAW_EXTRACTS_PATH", "/data/extracts")
    assert "tag:raw_sample" in opts.build_cmd(tmp_path / "t", tmp_path / "l")


def test_parse_state_of_another_checkout_is_forgotten(tmp_path):
    """dbt's partial parse keeps a seed's absolute root_path and loads the CSV from there: a
    refresh state written by the project at another path must not be reused."""
    import msgpack

    project = tmp_path / "project"
    project.mkdir()
    target = tmp_path / "target"
    target.mkdir()
    state = target / "partial_parse.msgpack"

    def write(root: Path) -> None:
        seed = {"resource_type": "seed", "root_path": str(root), "original_file_path": "s.csv"}
        model = {"resource_type": "model", "original_file_path": "models/m.sql"}
        nodes = {"seed.p.s": seed, "model.p.m": model}
        state.write_bytes(msgpack.packb({"nodes": nodes, "macros": {}}))

    write(project)  # this checkout's own state is kept
    assert refresh.forget_parse_of_another_checkout(target, project) is None
    assert state.exists()
    write(tmp_path / "elsewhere")  # another checkout's is deleted
    assert refresh.forget_parse_of_another_checkout(target, project) == str(tmp_path / "elsewhere")
    assert not state.exists()
    assert refresh.forget_parse_of_another_checkout(target, project) is None  # nothing to forget
    state.write_bytes(b"\xc1 not msgpack")  # unreadable: left to dbt
    assert refresh.forget_parse_of_another_checkout(target, project) is None
    assert state.exists()


def test_publish_guard_stops_an_emptied_mart_until_accepted(env):
    assert run_refresh(env).returncode == 0
    before = env["live"].read_bytes()
    blocked = run_refresh(env, builder_args="--empty")
    assert blocked.returncode == 1
    assert "mart_emptied:marts.kpi_fake" in blocked.stderr + blocked.stdout
    assert env["live"].read_bytes() == before
    last = refresh.read_log(refresh.Paths(env["live"].absolute()))[-1]
    assert last["status"] == "failed" and last["failed_step"] == "guard"
    assert last["guard"]["blocking"] == ["mart_emptied:marts.kpi_fake"]
    accepted = run_refresh(env, "--accept", "mart_emptied:*", builder_args="--empty")
    assert accepted.returncode == 0, accepted.stderr
    last = refresh.read_log(refresh.Paths(env["live"].absolute()))[-1]
    assert last["status"] == "success"
    assert last["guard"] == {"blocking": [], "accepted": ["mart_emptied:marts.kpi_fake"]}
