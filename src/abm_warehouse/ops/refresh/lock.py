"""The refresh's exclusive lock and the child processes of its steps."""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class LockBusy(Exception):
    """Another process holds the refresh lock."""

    def __init__(self, lock_path: Path, holder: dict[str, Any]):
        self.lock_path = lock_path
        self.holder = holder
        pid = holder.get("pid", "unknown")
        what = holder.get("action", "refresh")
        since = holder.get("started_at", "an unknown time")
        super().__init__(
            f"another {what} is running (pid {pid}, since {since}); "
            f"lock file {lock_path} is held — not starting"
        )


def read_lock_holder(lock_path: Path) -> dict[str, Any]:
    try:
        text = lock_path.read_text().strip()
        return json.loads(text) if text else {}
    except (OSError, ValueError):
        return {}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def exclusive_lock(lock_path: Path, info: dict[str, Any]) -> Iterator[int]:
    """flock(LOCK_EX | LOCK_NB) on ``lock_path``; raises LockBusy at once when it is held.

    The lock file is never deleted (that would let two processes lock two different files);
    it holds the holder's pid for the message of the next one. The kernel releases the lock
    when the holder dies, however it dies, so a stale lock file is never a problem.
    """
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # the holder writes its pid just after it takes the lock: give it a moment
            holder = read_lock_holder(lock_path)
            for _ in range(20):
                if holder:
                    break
                time.sleep(0.05)
                holder = read_lock_holder(lock_path)
            raise LockBusy(lock_path, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        try:
            yield fd
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the flock


# ---------------------------------------------------------------------------- processes


def _set_parent_death_signal() -> None:  # pragma: no cover - runs in the child
    """Linux: the child gets SIGTERM if the refresh dies, so no orphan dbt keeps building."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class StepFailed(Exception):
    def __init__(self, step: str, message: str):
        self.step = step
        super().__init__(message)


def run_step(
    step: str, command: Sequence[str], env: dict[str, str], lock_fd: int, cwd: Path
) -> int:
    """Run one step's command in the foreground; its output goes to ours (cron / journald)."""
    log(f"{step}: {shlex.join(command)}")
    started = time.monotonic()
    completed = subprocess.run(
        list(command),
        env=env,
        cwd=cwd,
        check=False,
        # The child holds the lock too: if the refresh is killed and the child lives on,
        # no second refresh can start beside it.
        pass_fds=(lock_fd,),
        preexec_fn=_set_parent_death_signal if sys.platform.startswith("linux") else None,
    )
    log(f"{step}: exit code {completed.returncode} after {time.monotonic() - started:.1f}s")
    return completed.returncode


def log(message: str) -> None:
    stamp = datetime.now(UTC).strftime("%H:%M:%S")
    print(f"[refresh {stamp}] {message}", file=sys.stderr, flush=True)
