"""Write deterministic raw extracts: every table of the raw contract, and a defect manifest.

``abm-warehouse generate --out DIR`` writes DIR/<table>.csv (or .parquet), one file per raw
table with the contract's columns plus ``_loaded_at``, and DIR/raw_defect_manifest.csv listing
every injected defect. Same seed, scale and as-of date give byte-identical files.
``--scale 1`` is the committed sample (seeds/raw_sample); event tables are streamed in chunks,
so memory stays bounded at any scale.

``--layout daily --deltas-from D0`` writes every table as daily delta folders instead:
DIR/<table>/load_date=YYYY-MM-DD/part-00000.csv|parquet, one folder per nightly sync (landed at
02:00 UTC on the load date, holding the rows with ``_loaded_at`` in (load date - 1 day 02:00,
load date 02:00]). Everything loaded up to D0 + 1 day 02:00 is in the one initial folder
``load_date=<D0 + 1>``; then every day up to the last sync that has rows in any table has a
folder in every table, with an empty file (the columns, no rows) when nothing in that table
changed that day. Event tables append their rows in the sync of their own ``_loaded_at``; the
CRM-style tables arrive as versions of their records (``deltas.py``). The union of a table's
files is what a full build reads.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from abm_warehouse.raw.contract import LOADED_AT, TABLES, table
from abm_warehouse.raw.generator import crm, deals, events
from abm_warehouse.raw.generator.defects import MANIFEST_COLUMNS, inject
from abm_warehouse.raw.generator.deltas import APPEND_TABLES, Deltas
from abm_warehouse.raw.generator.sinks import DailySink, TableSink
from abm_warehouse.raw.generator.story import build_world, rng_for

DEFECT_RATE = 0.01
MIN_DEFECTS_PER_CLASS = 2
LAYOUTS = ("files", "daily")
DELTA_WINDOW_DAYS = 30  # default --deltas-from: this many days before the as-of date


def generate(
    out: Path,
    scale: float = 1.0,
    seed: int = 42,
    as_of: date = date(2026, 6, 30),
    fmt: str = "csv",
    years: int = 3,
    chunk_rows: int = 50_000,
    event_multiplier: int = 1,
    layout: str = "files",
    deltas_from: date | None = None,
) -> dict:
    """Generate every raw table into ``out``; return a summary (rows per table, defects).

    ``layout="files"`` writes one file per table; ``layout="daily"`` one folder per table with
    a sub-folder per nightly sync (``deltas_from``: the day before the initial, full sync;
    default 30 days before ``as_of``).
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r} (one of {', '.join(LAYOUTS)})")
    if layout == "files" and deltas_from is not None:
        raise ValueError("deltas_from is for the daily layout only")
    if layout == "daily" and deltas_from is None:
        deltas_from = as_of - timedelta(days=DELTA_WINDOW_DAYS)
    out.mkdir(parents=True, exist_ok=True)
    w = build_world(seed, scale, as_of, years, event_multiplier)
    default_loaded = w.loaded_at()
    deltas = Deltas(w, deltas_from) if layout == "daily" else None
    columns = {t.name: [*t.column_names, LOADED_AT] for t in TABLES}
    if deltas is None:
        sinks = {
            t.name: TableSink(out / f"{t.name}.{fmt}", columns[t.name], fmt, chunk_rows)
            for t in TABLES
        }
        # one extract: a late-arriving event is in it, however late, never after it
        loaded_cap = datetime.strptime(default_loaded, "%Y-%m-%dT%H:%M:%SZ")
    else:
        sinks = {
            t.name: DailySink(out / t.name, columns[t.name], fmt, deltas.initial, chunk_rows)
            for t in TABLES
        }
        loaded_cap = None  # each late event lands in the sync of its own (late) load time
    closed: set[str] = set()
    manifest = TableSink(out / "raw_defect_manifest.csv", MANIFEST_COLUMNS, "csv", chunk_rows)
    defect_rngs = {t.name: rng_for(seed, f"defects:{t.name}") for t in TABLES}

    def emit(name: str, rows: list[dict]) -> None:
        t = table(name)
        # defects are injected into copies: the story's own rows stay clean for later tables
        landed = [{LOADED_AT: default_loaded, **r} for r in rows]
        landed, found = inject(
            t,
            landed,
            defect_rngs[name],
            DEFECT_RATE,
            w.as_of,
            MIN_DEFECTS_PER_CLASS,
            loaded_cap,
        )
        if deltas is not None and name not in APPEND_TABLES:
            landed = deltas.versions(t, rows, landed)  # the CRM-style records' versions
        sinks[name].write(landed)
        manifest.write(found)
        if deltas is not None and name == "opportunity":
            manifest.write(deltas.deleted)

    def finish(*names: str) -> None:
        """Close finished tables' files (a daily table has a writer per load date)."""
        for name in names:
            if name not in closed:
                sinks[name].close()
                closed.add(name)

    def emit_done(*names: str) -> None:
        """Write finished tables and drop them from memory."""
        for name in names:
            emit(name, w.tables.pop(name))
            finish(name)

    # Each table is written as soon as nothing later needs it, so memory holds the entities
    # (accounts, persons) and the tables still in use, never the event streams.
    emit_done("user", "dated_conversion_rate", "campaign", "content_asset", "form")
    crm.funnel(w)
    if deltas is not None:  # the leads' versions follow their status history
        deltas.add_lead_history(w.tables["lead_history"])
    emit_done("contact", "lead_history", "lead_score_change", "nurture_enrollment")
    deals.opportunities(w)  # sets the leads' converted opportunity
    if deltas is not None:  # the opportunities' versions follow their stage history
        deltas.add_opportunity_history(w.tables["opportunity_history"])
    emit_done("lead", "opportunity", "opportunity_history", "opportunity_contact_role")
    if deltas is not None:
        deltas.lead_status.clear()
        deltas.opportunity_history.clear()
    emit_done("task", "event", "invoice")
    crm.campaign_members(w)
    emit_done("campaign_member")
    crm.nps(w)
    crm.account_sync(w)
    emit_done("nps_response", "subscription", "account")
    crm.spend(w)
    emit_done("spend_monthly")
    email_campaigns = events.email_campaigns(w)
    emit("email_campaign", email_campaigns)
    finish("email_campaign")
    emit("ad_performance_daily", events.ad_performance(w))
    finish("ad_performance_daily")
    for chunk in events.ad_company(w):
        emit("ad_company_daily", chunk)
    finish("ad_company_daily")
    emit("social_daily", events.social(w))
    emit("search_rank_daily", events.search_rank(w))
    finish("social_daily", "search_rank_daily")
    for chunk in events.email_events(w, email_campaigns):
        emit("email_event", chunk)
    finish("email_event")
    for chunk in events.web_streams(w):
        for name, rows in chunk.items():
            emit(name, rows)
    summary = {
        "scale": scale,
        "event_multiplier": event_multiplier,
        "seed": seed,
        "as_of_date": as_of.isoformat(),
        "format": fmt,
        "layout": layout,
    }
    if deltas is not None:
        summary["deltas_from"] = deltas_from.isoformat()
    summary["rows"] = {}
    summary["chunks"] = {}
    for name, sink in sinks.items():
        finish(name)
        summary["rows"][name] = sink.rows_written
        summary["chunks"][name] = sink.chunks_written
    manifest.close()
    summary["defects"] = manifest.rows_written
    if deltas is not None:
        # every nightly sync from the initial one to the last one lands a file per table, an
        # empty one (the columns, no rows) when nothing in the table changed that day
        last = max(d for sink in sinks.values() for d in sink.rows_by_date)
        dates = [
            deltas.initial + timedelta(days=i) for i in range((last - deltas.initial).days + 1)
        ]
        for sink in sinks.values():
            sink.fill(dates)
        summary["load_dates"] = [d.isoformat() for d in dates]
        summary["rows_by_load_date"] = {
            name: {d.isoformat(): n for d, n in sorted(sink.rows_by_date.items())}
            for name, sink in sinks.items()
        }
        summary["versions"] = dict(deltas.versions_written)
        summary["deleted_opportunities"] = len(deltas.deleted)
    return summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="folder to write the tables to")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the committed sample")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 6, 30))
    parser.add_argument("--years", type=int, default=3, help="years of history before as-of")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--chunk-rows", type=int, default=50_000, help="rows per write chunk")
    parser.add_argument(
        "--event-multiplier",
        type=int,
        default=1,
        help="multiply web sessions and e-mail recipients per person (large event volumes "
        "without more people; e.g. --scale 40 --event-multiplier 14 for ~51M events)",
    )
    parser.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="files",
        help="files: DIR/<table>.<format>; daily: DIR/<table>/load_date=YYYY-MM-DD/"
        "part-00000.<format>, one folder per nightly sync (02:00 UTC) after --deltas-from",
    )
    parser.add_argument(
        "--deltas-from",
        type=date.fromisoformat,
        default=None,
        help="daily layout: everything up to this day (loaded by 02:00 the next day) is in the "
        "initial sync load_date=<this day + 1>, later rows in daily deltas "
        f"(default: {DELTA_WINDOW_DAYS} days before --as-of)",
    )


def run(args: argparse.Namespace) -> int:
    if args.deltas_from is not None and args.layout != "daily":
        raise SystemExit("--deltas-from is for --layout daily")
    started = time.monotonic()
    summary = generate(
        args.out,
        args.scale,
        args.seed,
        args.as_of,
        args.format,
        args.years,
        args.chunk_rows,
        args.event_multiplier,
        args.layout,
        args.deltas_from,
    )
    summary["seconds"] = round(time.monotonic() - started, 1)
    print(summary_json(summary))
    return 0


def summary_json(summary: dict) -> str:
    """The summary as indented JSON; the load dates on one line, a table's rows per load
    date on one line each."""
    if "rows_by_load_date" not in summary:
        return json.dumps(summary, indent=2)
    marks = {"load_dates": '"@load_dates@"', "rows_by_load_date": '"@rows_by_load_date@"'}
    text = json.dumps({**summary, **{k: v.strip('"') for k, v in marks.items()}}, indent=2)
    per_table = ",\n".join(
        f"    {json.dumps(name)}: {json.dumps(rows)}"
        for name, rows in summary["rows_by_load_date"].items()
    )
    text = text.replace(marks["load_dates"], json.dumps(summary["load_dates"]))
    return text.replace(marks["rows_by_load_date"], "{\n" + per_table + "\n  }")


__all__ = ["generate", "timedelta"]
