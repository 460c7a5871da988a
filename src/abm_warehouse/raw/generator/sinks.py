"""Streaming writers for generated tables: CSV or Parquet, chunk by chunk.

Every value arrives already formatted as a string (or ``None`` for NULL), so a CSV and a
Parquet file of the same table hold the same text. Rows are written as they come, in
generation order, so memory stays bounded by one chunk whatever the scale.

``TableSink`` writes one file (the ``files`` layout: ``DIR/<table>.csv``); ``DailySink``
writes a table as daily delta folders (``DIR/<table>/load_date=YYYY-MM-DD/part-00000.csv``),
routing each row to the nightly sync that loads it (``load_date_of``).
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from abm_warehouse.raw.contract import LOADED_AT


class TableSink:
    """Append-only writer of one table."""

    def __init__(self, path: Path, columns: list[str], fmt: str, chunk_rows: int = 50_000):
        self.path = path
        self.columns = columns
        self.fmt = fmt
        self.chunk_rows = chunk_rows
        self.rows_written = 0
        self.chunks_written = 0
        self._buffer: list[dict] = []
        self._writer = None
        self._file = None
        if fmt == "csv":
            self._file = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115
            self._csv = csv.writer(self._file, lineterminator="\n")
            self._csv.writerow(columns)
        elif fmt == "parquet":
            self._schema = pa.schema([(c, pa.string()) for c in columns])
        else:
            raise ValueError(f"unknown format {fmt!r}")

    def write(self, rows: list[dict]) -> None:
        self._buffer.extend(rows)
        if len(self._buffer) >= self.chunk_rows:
            self.flush()

    def flush(self) -> None:
        """Write every buffered row now (chunks of at most ``chunk_rows``)."""
        while self._buffer:
            rows = self._buffer[: self.chunk_rows]
            del self._buffer[: self.chunk_rows]
            self._write_chunk(rows)

    def _write_chunk(self, rows: list[dict]) -> None:
        if self.fmt == "csv":
            for r in rows:
                self._csv.writerow(["" if r.get(c) is None else r[c] for c in self.columns])
        else:
            data = {c: [r.get(c) for r in rows] for c in self.columns}
            table = pa.Table.from_pydict(data, schema=self._schema)
            if self._writer is None:
                self._writer = pq.ParquetWriter(
                    self.path, self._schema, compression="zstd", write_statistics=True
                )
            self._writer.write_table(table)
        self.rows_written += len(rows)
        self.chunks_written += 1

    def close(self) -> None:
        self.flush()
        if self._file is not None:
            self._file.close()
        if self.fmt == "parquet":
            if self._writer is None:  # an empty table still gets a file with its columns
                pq.write_table(
                    pa.Table.from_pydict({c: [] for c in self.columns}, schema=self._schema),
                    self.path,
                )
            else:
                self._writer.close()


# The nightly sync lands at 02:00 UTC: the folder load_date=X holds the rows with _loaded_at
# in (X-1 02:00:00, X 02:00:00].
SYNC_HOUR = 2


def sync_time(load_date: date) -> datetime:
    """When the sync of ``load_date`` lands (02:00 UTC that day)."""
    return datetime(load_date.year, load_date.month, load_date.day, SYNC_HOUR)


def load_date_of(loaded_at: datetime, initial: date) -> date:
    """The sync that loads a row: the first 02:00 at or after ``loaded_at``; every row loaded
    at or before the initial sync (02:00 of ``initial``) is in that initial, full sync."""
    day = loaded_at.date()
    if loaded_at > sync_time(day):
        day += timedelta(days=1)
    return max(day, initial)


class DailySink:
    """A table as daily delta folders: ``DIR/<table>/load_date=YYYY-MM-DD/part-00000.<fmt>``.

    Each row goes to the folder of its ``_loaded_at`` (``load_date_of``): one folder for the
    initial sync (everything loaded up to 02:00 of ``initial``), then one per later sync that
    has rows; ``fill`` adds an empty file (the columns, no rows) for the syncs that found
    nothing, and the initial folder always exists. One writer per load date; rows wait
    in per-date buffers of at most ``chunk_rows`` rows in total (the largest buffers are
    written first), so memory stays bounded by a chunk however the rows interleave in time.
    """

    def __init__(
        self, folder: Path, columns: list[str], fmt: str, initial: date, chunk_rows: int = 50_000
    ):
        self.folder = folder
        self.columns = columns
        self.fmt = fmt
        self.initial = initial
        self.chunk_rows = chunk_rows
        self._cutoff = sync_time(initial).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._dates: dict[str, date] = {}  # _loaded_at date and whether after 02:00 -> load date
        self._sinks: dict[date, TableSink] = {}
        self._pending: dict[date, list[dict]] = {}
        self._pending_rows = 0
        self.rows_by_date: dict[date, int] = {}

    def load_date(self, loaded_at: str) -> date:
        """``load_date_of`` on the formatted ``YYYY-MM-DDTHH:MM:SSZ`` text, cached per day."""
        if loaded_at <= self._cutoff:
            return self.initial
        key = loaded_at[:10] + ("+" if loaded_at[11:19] > "02:00:00" else "")
        found = self._dates.get(key)
        if found is None:
            day = date.fromisoformat(loaded_at[:10]) + timedelta(days=key.endswith("+"))
            found = self._dates[key] = max(day, self.initial)
        return found

    def write(self, rows: list[dict]) -> None:
        for r in rows:
            day = self.load_date(r[LOADED_AT])
            pending = self._pending.get(day)
            if pending is None:
                pending = self._pending[day] = []
            pending.append(r)
        self._pending_rows += len(rows)
        if self._pending_rows >= self.chunk_rows:
            for day in sorted(self._pending, key=lambda d: (-len(self._pending[d]), d)):
                self._write(day)
                if self._pending_rows <= self.chunk_rows // 2:
                    break

    def _write(self, day: date) -> None:
        rows = self._pending.pop(day, [])
        if not rows:
            return
        sink = self._sinks.get(day)
        if sink is None:
            path = self.folder / f"load_date={day.isoformat()}" / f"part-00000.{self.fmt}"
            path.parent.mkdir(parents=True, exist_ok=True)
            sink = self._sinks[day] = TableSink(path, self.columns, self.fmt, self.chunk_rows)
        sink.write(rows)
        sink.flush()
        self._pending_rows -= len(rows)
        self.rows_by_date[day] = self.rows_by_date.get(day, 0) + len(rows)

    @property
    def rows_written(self) -> int:
        return sum(self.rows_by_date.values())

    @property
    def chunks_written(self) -> int:
        return sum(s.chunks_written for s in self._sinks.values())

    def close(self) -> None:
        for day in sorted(self._pending):
            self._write(day)
        for day in sorted(self._sinks):
            self._sinks[day].close()
        self.fill([self.initial])  # the initial, full sync always exists

    def fill(self, days: list[date]) -> None:
        """An empty file (the columns, no rows) for each of ``days`` without rows: a sync
        that found nothing changed in this table still lands its file."""
        for day in days:
            if day in self._sinks:
                continue
            path = self.folder / f"load_date={day.isoformat()}" / f"part-00000.{self.fmt}"
            path.parent.mkdir(parents=True, exist_ok=True)
            self._sinks[day] = TableSink(path, self.columns, self.fmt, self.chunk_rows)
            self._sinks[day].close()
            self.rows_by_date[day] = 0

    @property
    def load_dates(self) -> list[date]:
        return sorted(self.rows_by_date)
