"""The as-of date of a scheduled refresh: a policy, resolved to a date before the build.

Models never read the wall clock: "today" of the warehouse is the as-of date a build gets
(macros/utils/as_of.sql). A refresh decides it from a policy (`abm-warehouse refresh --as-of`):

``loaded`` (the default)
    the last complete day of the raw data: the day before the newest ``_loaded_at`` of any raw
    table (a day is complete once the loaders delivered something from after it). It moves
    when data arrives, never ahead of it: a loader that stops does not produce empty days,
    and `dbt source freshness` reports the stale source.
``yesterday`` / ``today``
    the UTC calendar day before / of the refresh (the wall clock of the scheduler, never of a
    model).
``live``
    the as-of date of the live warehouse (no move; the project's ``as_of_date`` var if none).
``YYYY-MM-DD``
    that date.

Per raw file, the newest ``_loaded_at`` is cached by the file's size and modification time
(landed delta files never change), so a daily refresh reads only the new files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from abm_warehouse.ops import inputs

POLICIES = ("loaded", "yesterday", "today", "live")
DEFAULT_POLICY = "loaded"


class NoLoadedData(Exception):
    """`loaded` found no `_loaded_at` in any raw table."""


def parse_policy(text: str) -> str:
    """A policy name or an ISO date (argparse type)."""
    value = text.strip().lower()
    if value in POLICIES:
        return value
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(
            f"--as-of {text!r}: expected one of {', '.join(POLICIES)} or a date YYYY-MM-DD"
        ) from None


def _max_loaded_at(path: Path) -> dt.datetime | None:
    """The newest `_loaded_at` of one raw file (UTC; None when it has none)."""
    import duckdb

    literal = str(path).replace("'", "''")
    if path.suffix.lower() == ".parquet":
        relation = f"read_parquet('{literal}')"
    else:
        relation = f"read_csv('{literal}', header = true, all_varchar = true)"
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        described = con.execute(f"describe select * from {relation}").fetchall()
        if "_loaded_at" not in [c[0].lower() for c in described]:
            return None
        value = con.execute(
            "select max(try_cast(trim(cast(_loaded_at as varchar)) as timestamptz)) "
            f"from {relation}"
        ).fetchone()[0]
    except duckdb.Error as exc:
        raise ValueError(f"cannot read _loaded_at of {path}: {exc}") from None
    finally:
        con.close()
    if value is None:
        return None
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def newest_loaded_at(
    locations: Mapping[str, inputs.RawLocation], cache_file: Path | None = None
) -> dt.datetime | None:
    """The newest `_loaded_at` over every raw file (cached per file by size and mtime)."""
    cache: dict[str, list] = {}
    if cache_file is not None and cache_file.is_file():
        try:
            cache = json.loads(cache_file.read_text())
        except ValueError:
            cache = {}
    fresh: dict[str, list] = {}
    newest: dt.datetime | None = None
    for location in locations.values():
        for path in location.paths:
            stat = path.stat()
            key = str(path.resolve())
            stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
            hit = cache.get(key)
            if hit and hit[0] == stamp:
                value = dt.datetime.fromisoformat(hit[1]) if hit[1] else None
            else:
                value = _max_loaded_at(path)
            fresh[key] = [stamp, value.isoformat() if value else None]
            if value is not None and (newest is None or value > newest):
                newest = value
    if cache_file is not None:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_name(cache_file.name + f".tmp-{os.getpid()}")
        tmp.write_text(json.dumps(fresh, sort_keys=True))
        os.replace(tmp, cache_file)
    return newest


def loaded_as_of(newest: dt.datetime) -> dt.date:
    """The last complete day before the newest load time."""
    return newest.astimezone(dt.UTC).date() - dt.timedelta(days=1)


def resolve(
    policy: str,
    *,
    locations: Mapping[str, inputs.RawLocation] | None = None,
    live: str | None = None,
    project_default: str | None = None,
    now: dt.datetime | None = None,
    cache_file: Path | None = None,
    newest_loaded: Callable[[], dt.datetime | None] | None = None,
) -> tuple[str, str]:
    """(the as-of date as ISO text, how it was decided) for a policy."""
    now = now or dt.datetime.now(dt.UTC)
    if policy == "today":
        return now.date().isoformat(), "today (UTC)"
    if policy == "yesterday":
        return (now.date() - dt.timedelta(days=1)).isoformat(), "yesterday (UTC)"
    if policy == "live":
        if live:
            return live, "the live warehouse's as-of date"
        if project_default:
            return project_default, "the project's as_of_date var (no live warehouse)"
        raise NoLoadedData("--as-of live: no live warehouse and no as_of_date var")
    if policy == "loaded":
        # a loader's database (newest_loaded), else the files
        newest = newest_loaded() if newest_loaded else newest_loaded_at(locations or {}, cache_file)
        if newest is None:
            raise NoLoadedData(
                "--as-of loaded: no raw table has a _loaded_at value; pass a date instead"
            )
        day = loaded_as_of(newest)
        return (
            day.isoformat(),
            f"loaded: the day before the newest _loaded_at ({newest.isoformat()})",
        )
    return dt.date.fromisoformat(policy).isoformat(), "given"
