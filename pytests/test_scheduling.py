"""The scheduling files of docs/operations.md do what the doc says.

- ops/cron/abm-warehouse.cron: its command, run for real (paths moved to a temp dir), refreshes
  under `flock`, and a second invocation while one runs exits 75 at once from flock.
- ops/systemd: both units pass `systemd-analyze verify` (where systemd is installed), their
  refresh command parses with the refresh's own arguments, 75 counts as success.
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from abm_warehouse.ops import refresh

ROOT = Path(__file__).resolve().parents[1]
CRON = ROOT / "ops" / "cron" / "abm-warehouse.cron"
SERVICE = ROOT / "ops" / "systemd" / "abm-warehouse-refresh.service"
TIMER = ROOT / "ops" / "systemd" / "abm-warehouse-refresh.timer"

BUILDER = textwrap.dedent(
    """
    import os, sys, time
    import duckdb

    if len(sys.argv) > 1:  # wait until the test lets the build finish
        deadline = time.monotonic() + 300
        open(sys.argv[1] + ".started", "w").close()
        while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:
            time.sleep(0.02)
    con = duckdb.connect(os.environ["ABM_WAREHOUSE_PATH"])
    con.execute("create schema if not exists marts")
    con.execute("create or replace table marts.kpi_fake as select 1 as x")
    con.close()
    """
)


def cron_entry() -> tuple[str, str]:
    """(schedule, command) of the one job line of the cron file."""
    lines = [
        line.strip()
        for line in CRON.read_text().splitlines()
        if line.strip() and not line.strip().startswith("#") and "=" not in line.split()[0]
    ]
    [line] = lines
    fields = line.split(None, 6)
    assert fields[5] == "abm"  # /etc/cron.d format: a user field before the command
    return " ".join(fields[:5]), fields[6]


def refresh_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    refresh.add_arguments(parser)
    return parser


def refresh_args_of(command: str) -> list[str]:
    words = shlex.split(command)
    start = next(i for i, w in enumerate(words) if w.endswith("bin/abm-warehouse")) + 1
    assert words[start] == "refresh"
    end = next((i for i, w in enumerate(words) if w.startswith(">")), len(words))
    return words[start + 1 : end]


def test_cron_entry_is_daily_with_flock_on_its_own_lock_file():
    schedule, command = cron_entry()
    assert schedule == "15 5 * * *"  # as the systemd timer
    words = shlex.split(command)
    i = words.index("flock")
    assert words[i + 1 : i + 4] == ["-n", "-E", "75"]
    cron_lock = words[i + 4]
    args = refresh_parser().parse_args(refresh_args_of(command))
    # never the refresh's own lock: the refresh it starts would find its lock taken
    assert cron_lock != str(refresh.Paths(args.warehouse).lock)
    assert args.keep >= 1 and not args.rollback
    assert args.as_of == "loaded"  # the as-of date moves with the data, every night


def runnable_cron_command(tmp: Path, live: Path, extra: str) -> str:
    """The cron command with its paths moved into ``tmp`` and a stand-in build."""
    _, command = cron_entry()
    _, _, after_cd = command.partition("&& ")
    words = shlex.split(after_cd)
    words[words.index("flock") + 4] = str(tmp / "cron.lock")
    exe = next(i for i, w in enumerate(words) if w.endswith("bin/abm-warehouse"))
    words[exe : exe + 1] = [sys.executable, "-m", "abm_warehouse.cli"]
    words[words.index("--warehouse") + 1] = str(live)
    redirect = words.index(">>")
    words[redirect + 1] = str(tmp / "refresh.out")
    extra_words = shlex.split(extra)
    words[redirect:redirect] = extra_words
    redirect += len(extra_words)
    return shlex.join(words[:redirect]) + " " + " ".join(words[redirect:])


def test_cron_command_refreshes_and_a_second_one_is_refused_by_flock(tmp_path):
    if not shutil.which("flock"):
        pytest.skip("flock(1) (util-linux) is not installed")
    live = tmp_path / "wh" / "warehouse.duckdb"
    live.parent.mkdir()
    builder = tmp_path / "builder.py"
    builder.write_text(BUILDER)
    release = tmp_path / "release"

    def cron_command(wait: bool) -> str:
        build = f"{sys.executable} {builder}" + (f" {release}" if wait else "")
        return runnable_cron_command(
            tmp_path, live, f"--skip-freshness --build-command {shlex.quote(build)}"
        )

    run = dict(shell=True, executable="/bin/bash", cwd=ROOT)
    assert subprocess.run(cron_command(False), timeout=300, **run).returncode == 0
    assert duckdb.connect(str(live), read_only=True).execute(
        "select status from ops.refresh_runs"
    ).fetchall() == [("success",)]

    first = subprocess.Popen(cron_command(True), **run)
    try:
        started = Path(f"{release}.started")
        deadline = time.monotonic() + 120
        while not started.exists():
            assert first.poll() is None and time.monotonic() < deadline, "build never started"
            time.sleep(0.02)
        second = subprocess.run(cron_command(False), timeout=120, **run)
        assert second.returncode == 75  # flock -n -E 75: refused while the first one runs
        assert first.poll() is None
    finally:
        release.touch()
    assert first.wait(timeout=300) == 0
    records = refresh.read_log(refresh.Paths(live))
    # flock refused the second before the refresh started: it left no "locked" record
    assert [r["status"] for r in records] == ["success", "success"]


def test_systemd_units_refresh_daily_and_treat_75_as_skipped():
    service = SERVICE.read_text()
    [exec_start] = re.findall(r"^ExecStart=(.+)$", service, re.M)
    args = refresh_parser().parse_args(refresh_args_of(exec_start))
    assert args.keep >= 1 and not args.rollback and args.as_of == "loaded"
    assert re.search(r"^SuccessExitStatus=75$", service, re.M)
    assert refresh.EXIT_LOCKED == 75
    assert re.search(r"^Type=oneshot$", service, re.M)
    timer = TIMER.read_text()
    assert re.search(r"^OnCalendar=\*-\*-\* 05:15:00 UTC$", timer, re.M)
    assert re.search(rf"^Unit={SERVICE.name}$", timer, re.M)


def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    # The units as shipped name /opt/abm-warehouse and a user `abm`, which this machine lacks.
    exe = Path(sys.executable).resolve()
    service = SERVICE.read_text()
    service = re.sub(r"^ExecStart=\S+", f"ExecStart={exe}", service, flags=re.M)
    service = re.sub(r"^(User|Group)=abm$", r"\1=root", service, flags=re.M)
    (tmp_path / SERVICE.name).write_text(service)
    shutil.copy(TIMER, tmp_path / TIMER.name)
    result = subprocess.run(
        ["systemd-analyze", "verify", SERVICE.name, TIMER.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
