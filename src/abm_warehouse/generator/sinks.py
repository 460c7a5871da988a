"""Streaming writers for generated tables: CSV or Parquet, chunk by chunk.

Every value arrives already formatted as a string (or ``None`` for NULL), so a CSV and a
Parquet file of the same table hold the same text. Rows are written as they come, in
generation order, so memory stays bounded by one chunk whatever the scale.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


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
            self._flush()

    def _flush(self) -> None:
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
        self._flush()
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
