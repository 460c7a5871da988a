"""Where a refresh keeps its files (live file, build, generations, lock, log) and file helpers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_LOCKED = 75  # EX_TEMPFAIL: another refresh holds the lock; try again later

DEFAULT_WAREHOUSE = "warehouse/warehouse.duckdb"
DEFAULT_KEEP = 3
# Schemas whose relations are counted into ops.refresh_row_counts (marts also in refresh_runs).
COUNTED_SCHEMAS = ("marts", "staging")
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%S"


# ---------------------------------------------------------------------------- paths


@dataclass(frozen=True)
class Paths:
    """Every file a refresh of one live warehouse file touches."""

    live: Path

    @property
    def directory(self) -> Path:
        return self.live.parent

    @property
    def lock(self) -> Path:
        return self.live.with_name(self.live.name + ".lock")

    @property
    def log(self) -> Path:
        return self.directory / "refresh.log"

    @property
    def generations(self) -> Path:
        return self.directory / "generations"

    @property
    def state(self) -> Path:
        """dbt target and log folders of refreshes (only ever used under the lock)."""
        return self.directory / ".refresh" / self.live.stem

    @property
    def build(self) -> Path:
        """The file a refresh builds (only ever written under the lock)."""
        return self.live.with_name(f"{self.live.name}.build")

    def rollback_tmp(self, run_id: str) -> Path:
        return self.live.with_name(f"{self.live.name}.rollback-{run_id}")

    @property
    def _gen_prefix(self) -> str:
        return self.live.stem + "."

    @property
    def _gen_suffix(self) -> str:
        return self.live.suffix or ".duckdb"

    def generation(self, generation_id: str) -> Path:
        return self.generations / f"{self._gen_prefix}{generation_id}{self._gen_suffix}"

    def list_generations(self) -> list[tuple[str, Path]]:
        """(generation id, path), oldest first (ids are UTC timestamps, so they sort)."""
        if not self.generations.is_dir():
            return []
        found = []
        for path in self.generations.iterdir():
            name = path.name
            if name.startswith(self._gen_prefix) and name.endswith(self._gen_suffix):
                gen_id = name[len(self._gen_prefix) : len(name) - len(self._gen_suffix)]
                if gen_id and ".tmp-" not in gen_id:
                    found.append((gen_id, path))
        return sorted(found)

    def stale_files(self) -> list[Path]:
        """Leftovers of killed runs: build and rollback files (with WALs), temp archives."""
        patterns = [
            f"{self.live.name}.build",
            f"{self.live.name}.build.wal",
            f"{self.live.name}.build-*",  # earlier versions named the build file per run
            f"{self.live.name}.rollback-*",
        ]
        stale = [p for pattern in patterns for p in self.directory.glob(pattern)]
        if self.generations.is_dir():
            stale += self.generations.glob(f"{self._gen_prefix}*.tmp-*")
        return sorted(stale)


def new_run_id(now: datetime | None = None) -> str:
    """UTC timestamp to the millisecond, e.g. 20260630T051500.123Z: sortable, file-name safe."""
    now = now or datetime.now(UTC)
    return f"{now.strftime(TIMESTAMP_FORMAT)}.{now.microsecond // 1000:03d}Z"


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def _remove_with_wal(path: Path) -> None:
    _remove(path)
    _remove(path.with_name(path.name + ".wal"))
