"""What is live (`--status`) and putting a generation back (`--rollback`)."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from abm_warehouse.ops.refresh.database import generation_of
from abm_warehouse.ops.refresh.flow import _lock_info
from abm_warehouse.ops.refresh.lock import (
    LockBusy,
    _pid_alive,
    exclusive_lock,
    log,
    read_lock_holder,
)
from abm_warehouse.ops.refresh.paths import (
    EXIT_FAILED,
    EXIT_LOCKED,
    EXIT_OK,
    Paths,
    _remove_with_wal,
    _utc,
    fsync_dir,
    fsync_file,
    new_run_id,
)
from abm_warehouse.ops.refresh.plan import _live_as_of, _read_previous
from abm_warehouse.ops.refresh.publishing import _clean_stale, archive_live
from abm_warehouse.ops.refresh.runlog import _base_record, append_log, read_log


def rollback(warehouse: Path, to: str | None) -> int:
    paths = Paths(warehouse.absolute())
    run_id = new_run_id()
    record = _base_record("rollback", run_id, paths)
    try:
        with exclusive_lock(paths.lock, _lock_info(record)):
            record["cleaned_stale"] = _clean_stale(paths)
            try:
                code = _rollback_locked(paths, to, record)
            except Exception as exc:
                record.update(status="error", error=f"{type(exc).__name__}: {exc}")
                log(f"ERROR {type(exc).__name__}: {exc}")
                code = EXIT_FAILED
            finally:
                _remove_with_wal(paths.rollback_tmp(run_id))
                record["ended_at"] = datetime.now(UTC).isoformat()
                append_log(paths, record)
            return code
    except LockBusy as busy:
        log(str(busy))
        return EXIT_LOCKED


def _pick_generation(paths: Paths, to: str | None, live_id: str | None) -> tuple[str, Path]:
    generations = paths.list_generations()
    if not generations:
        raise RuntimeError(f"no generations in {paths.generations}")
    if to:
        wanted = Path(to).name
        exact = [
            (g, p)
            for g, p in generations
            if wanted in (g, p.name) or Path(to).absolute() == p.absolute()
        ]
        matches = exact or [(g, p) for g, p in generations if g.startswith(wanted)]
        if len(matches) != 1:
            known = ", ".join(g for g, _ in generations)
            raise RuntimeError(f"--to {to!r} matches {len(matches)} generations (have: {known})")
        return matches[0]
    older = [(g, p) for g, p in generations if live_id is None or g < live_id]
    if not older:
        raise RuntimeError(f"no generation older than the live one ({live_id})")
    return older[-1]


def _rollback_locked(paths: Paths, to: str | None, record: dict[str, Any]) -> int:
    live_id = generation_of(paths.live) if paths.live.exists() else None
    gen_id, gen_path = _pick_generation(paths, to, live_id)
    record.update(from_generation=live_id, to_generation=gen_id)
    if paths.live.exists() and os.path.samefile(paths.live, gen_path):
        log(f"generation {gen_id} is already live")
        record["status"] = "success"
        return EXIT_OK
    if paths.live.exists():
        archive_live(paths, live_id)  # keeps the current file: a rollback can be undone
    tmp = paths.rollback_tmp(record["run_id"])
    try:
        os.link(gen_path, tmp)
    except OSError:
        shutil.copy2(gen_path, tmp)
        fsync_file(tmp)
    os.replace(tmp, paths.live)
    fsync_dir(paths.directory)
    record["status"] = "success"
    log(f"rolled back {paths.live}: generation {live_id} -> {gen_id}")
    return EXIT_OK


# ---------------------------------------------------------------------------- status


def status(warehouse: Path, out: Any = None) -> int:
    out = out or sys.stdout
    paths = Paths(warehouse.absolute())
    print(f"warehouse: {paths.live}", file=out)
    live_stat = paths.live.stat() if paths.live.exists() else None
    if live_stat:
        print(
            f"  live generation {generation_of(paths.live)}, {live_stat.st_size:,} bytes, "
            f"written {_utc(live_stat.st_mtime).isoformat(timespec='seconds')}",
            file=out,
        )
        live_as_of = None
        with contextlib.suppress(Exception):
            live_as_of = _live_as_of(paths.live, _read_previous(paths.live))
        print(f"  as of {live_as_of or 'unknown'}", file=out)
    else:
        print("  no live file", file=out)
    holder = read_lock_holder(paths.lock)
    if holder.get("pid") and _pid_alive(int(holder["pid"])):
        print(
            f"lock {paths.lock}: held by pid {holder['pid']} ({holder.get('action')} "
            f"{holder.get('run_id')}, since {holder.get('started_at')})",
            file=out,
        )
    else:
        print(f"lock {paths.lock}: free", file=out)
    generations = paths.list_generations()
    print(f"generations in {paths.generations}: {len(generations)}", file=out)
    for gen_id, path in reversed(generations):
        st = path.stat()
        is_live = live_stat is not None and (st.st_ino, st.st_dev) == (
            live_stat.st_ino,
            live_stat.st_dev,
        )
        print(f"  {gen_id}  {st.st_size:>14,} bytes{'  (live)' if is_live else ''}", file=out)
    stale = paths.stale_files()
    if stale:
        print("left by interrupted runs: " + ", ".join(p.name for p in stale), file=out)
    print(f"last runs ({paths.log}):", file=out)
    for r in read_log(paths, last=5):
        extra = r.get("failed_step") or r.get("to_generation") or r.get("generation") or ""
        as_of_text = f"as of {r['as_of_date']}  " if r.get("as_of_date") else ""
        print(
            f"  {r.get('started_at', '')[:19]}  {r.get('action', ''):8} {r.get('status', ''):8} "
            f"{as_of_text}{extra}",
            file=out,
        )
    return EXIT_OK
