"""The run log: one JSON line per run in `refresh.log` beside the warehouse."""

from __future__ import annotations

import contextlib
import json
import os
import socket
from datetime import UTC, datetime
from typing import Any

from abm_warehouse.ops.refresh.paths import Paths


def append_log(paths: Paths, record: dict[str, Any]) -> None:
    paths.directory.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, default=str, sort_keys=True) + "\n"
    fd = os.open(paths.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())  # one write per line: concurrent appends do not interleave
        os.fsync(fd)
    finally:
        os.close(fd)


def read_log(paths: Paths, last: int | None = None) -> list[dict[str, Any]]:
    if not paths.log.is_file():
        return []
    records = []
    for line in paths.log.read_text().splitlines():
        with contextlib.suppress(ValueError):
            records.append(json.loads(line))
    return records[-last:] if last else records


def _base_record(action: str, run_id: str, paths: Paths) -> dict[str, Any]:
    return {
        "action": action,
        "run_id": run_id,
        "started_at": datetime.now(UTC).isoformat(),
        "warehouse": str(paths.live),
        "pid": os.getpid(),
        "host": socket.gethostname(),
    }


# Tables of the live file that no build reproduces from the raw files: the run history and
# the snapshots (CRM history captured at each run). A build on the previous generation takes
# them from the live file (ops.refresh_inputs stays: it says what the build file was built from).
