"""One more day of web and e-mail events appended to generated extracts."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from abm_warehouse.tooling.bench.common import EVENT_TABLES
from abm_warehouse.tooling.bench.floor import raw_file


def append_one_day(raw_dir: Path, out_dir: Path, as_of: date) -> dict:
    """A copy of ``raw_dir`` whose event tables gain one more day (as_of + 1): the events of
    the as-of day again, moved one day later, with new ids, arriving in one new load: their
    ``_loaded_at`` comes after every load already in the file (one hour after its newest, in
    their original order), as the next scheduled extract's would. Moving each row's own load
    time one day later instead would put many new rows before the file's newest load (late
    events are loaded up to days after they happen), which no real loader does and which the
    incremental models' watermark rightly does not look back for."""
    import duckdb

    out_dir.mkdir(parents=True, exist_ok=True)
    for f in raw_dir.iterdir():
        if f.is_file() and f.stem not in EVENT_TABLES:
            shutil.copy(f, out_dir / f.name)
    con = duckdb.connect()
    added = {}
    day = as_of.isoformat()
    for table, (id_col, ts) in EVENT_TABLES.items():
        src = raw_file(raw_dir, table)
        cols = [r[0] for r in con.execute(f"describe select * from {src}").fetchall()]
        newest_load, first_day_load = con.execute(
            f"select max(try_cast(_loaded_at as timestamp)), "
            f"min(try_cast(_loaded_at as timestamp)) filter (where substr({ts}, 1, 10) = '{day}') "
            f"from {src}"
        ).fetchone()
        new_load = (
            f"timestamp '{newest_load}' + interval 1 hour "
            f"+ (try_cast(_loaded_at as timestamp) - timestamp '{first_day_load}')"
        )
        shifted = ", ".join(
            f"{id_col} || '-d1' as {id_col}"
            if c == id_col
            else f"strftime(try_cast({c} as timestamp) + interval 1 day, "
            f"'%Y-%m-%dT%H:%M:%SZ') as {c}"
            if c == ts
            else f"strftime({new_load}, '%Y-%m-%dT%H:%M:%SZ') as {c}"
            if c == "_loaded_at"
            else c
            for c in cols
        )
        new_day = f"select {shifted} from {src} where substr({ts}, 1, 10) = '{day}'"
        target = out_dir / f"{table}.parquet"
        con.execute(
            f"copy (select * from {src} union all {new_day}) to '{target}' "
            "(format parquet, compression zstd)"
        )
        added[table] = con.execute(f"select count(*) from ({new_day})").fetchone()[0]
    con.close()
    return added
