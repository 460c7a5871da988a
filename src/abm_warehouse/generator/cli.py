"""Write deterministic raw extracts: every table of the raw contract, and a defect manifest.

``abm-warehouse generate --out DIR`` writes DIR/<table>.csv (or .parquet), one file per raw
table with the contract's columns plus ``_loaded_at``, and DIR/raw_defect_manifest.csv listing
every injected defect. Same seed, scale and as-of date give byte-identical files.
``--scale 1`` is the committed sample (seeds/raw_sample); event tables are streamed in chunks,
so memory stays bounded at any scale.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from abm_warehouse.contract import LOADED_AT, TABLES, table
from abm_warehouse.generator import crm, events
from abm_warehouse.generator.defects import MANIFEST_COLUMNS, inject
from abm_warehouse.generator.sinks import TableSink
from abm_warehouse.generator.story import build_world, rng_for

DEFECT_RATE = 0.01
MIN_DEFECTS_PER_CLASS = 2


def generate(
    out: Path,
    scale: float = 1.0,
    seed: int = 42,
    as_of: date = date(2026, 6, 30),
    fmt: str = "csv",
    years: int = 3,
    chunk_rows: int = 50_000,
    event_multiplier: int = 1,
) -> dict:
    """Generate every raw table into ``out``; return a summary (rows per table, defects)."""
    out.mkdir(parents=True, exist_ok=True)
    sinks = {
        t.name: TableSink(out / f"{t.name}.{fmt}", [*t.column_names, LOADED_AT], fmt, chunk_rows)
        for t in TABLES
    }
    manifest = TableSink(out / "raw_defect_manifest.csv", MANIFEST_COLUMNS, "csv", chunk_rows)
    defect_rngs = {t.name: rng_for(seed, f"defects:{t.name}") for t in TABLES}
    w = build_world(seed, scale, as_of, years, event_multiplier)
    default_loaded = w.loaded_at()
    # one extract: a late-arriving event is in it, however late, never after it
    loaded_cap = datetime.strptime(default_loaded, "%Y-%m-%dT%H:%M:%SZ")

    def emit(name: str, rows: list[dict]) -> None:
        t = table(name)
        # defects are injected into copies: the story's own rows stay clean for later tables
        rows = [{LOADED_AT: default_loaded, **r} for r in rows]
        rows, found = inject(
            t, rows, defect_rngs[name], DEFECT_RATE, w.as_of, MIN_DEFECTS_PER_CLASS, loaded_cap
        )
        sinks[name].write(rows)
        manifest.write(found)

    def emit_done(*names: str) -> None:
        """Write finished tables and drop them from memory."""
        for name in names:
            emit(name, w.tables.pop(name))

    # Each table is written as soon as nothing later needs it, so memory holds the entities
    # (accounts, persons) and the tables still in use, never the event streams.
    emit_done("user", "dated_conversion_rate", "campaign", "content_asset", "form")
    crm.funnel(w)
    emit_done("contact", "lead_history", "lead_score_change", "nurture_enrollment")
    crm.opportunities(w)  # sets the leads' converted opportunity
    emit_done("lead", "opportunity", "opportunity_history", "opportunity_contact_role")
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
    emit("ad_performance_daily", events.ad_performance(w))
    for chunk in events.ad_company(w):
        emit("ad_company_daily", chunk)
    emit("social_daily", events.social(w))
    emit("search_rank_daily", events.search_rank(w))
    for chunk in events.email_events(w, email_campaigns):
        emit("email_event", chunk)
    for chunk in events.web_streams(w):
        for name, rows in chunk.items():
            emit(name, rows)
    summary = {
        "scale": scale,
        "event_multiplier": event_multiplier,
        "seed": seed,
        "as_of_date": as_of.isoformat(),
        "format": fmt,
    }
    summary["rows"] = {}
    summary["chunks"] = {}
    for name, sink in sinks.items():
        sink.close()
        summary["rows"][name] = sink.rows_written
        summary["chunks"][name] = sink.chunks_written
    manifest.close()
    summary["defects"] = manifest.rows_written
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


def run(args: argparse.Namespace) -> int:
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
    )
    summary["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(summary, indent=2))
    return 0


__all__ = ["generate", "timedelta"]
