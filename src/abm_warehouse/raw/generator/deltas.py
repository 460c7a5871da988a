"""Daily delta landing (``--layout daily``): the CRM-style tables as versions, one per sync.

The nightly sync of day X lands at 02:00 UTC and holds every row with ``_loaded_at`` in
(X-1 02:00, X 02:00] (``sinks.load_date_of``). The first sync, on D0 + 1 (``--deltas-from
D0``), is a full one: everything loaded up to then.

Two kinds of tables:

* **append tables** (``APPEND_TABLES``: the event streams and the daily channel reports)
  carry their own ``_loaded_at`` (minutes after the event, the next morning for a day's
  report, days later for a late-arriving event): each row lands in the sync of its own
  ``_loaded_at``, exactly as the ``files`` layout writes it.
* **delta tables** (every other table: Salesforce, billing, surveys, finance and the marketing
  automation records without a load time of their own) arrive as deltas: each sync holds one
  full row for every record changed since the previous sync, the record as it was at the
  sync, with ``_loaded_at`` = the sync time (02:00 of the load date). ``Deltas.versions``
  turns each final row (what the ``files`` layout writes) into its versions:

  - lead: created (status Open, not converted), then one version per lead_history status
    change (the status as of then; is_converted / converted_* from the conversion on);
  - opportunity: one version per opportunity_history row (stage_name, amount, close_date,
    probability of that change; is_closed / is_won follow the stage);
  - subscription: started (status active, canceled_at / ended_at empty), cancelled
    (canceled_at set, still active until it ends), ended;
  - invoice: open at its period start (nothing paid), then paid at paid_at (void or
    uncollectible 30 days after its period start);
  - every other delta table: the row when it was created (created_date, else the table's
    event time; last_modified_date = that time) and again at its last_modified_date when
    that is later; a table without either time is in the initial sync;

  and the final row (with any injected defect) always last. Versions that carry a
  ``last_modified_date`` carry their change time in it. A version goes to the sync after its
  change (a change after the as-of date, e.g. a future_timestamp defect, to the sync after
  the as-of date); of the versions of one record in one sync only the latest is kept, so the
  initial sync holds each record as of D0 + 1 02:00 and a record that did not change after
  that appears once. Keeping per key the row with the latest ``_loaded_at`` (then the latest
  last_modified_date) gives back the final row, so the union of the delta files is the
  ``files`` layout's final state, except for the opportunities deleted in the delta window
  (a version with is_deleted = true of an opportunity created before D0 that was not won,
  in a sync after its last change; listed in the manifest as soft_deleted).

Defects are injected exactly as in the ``files`` layout (same rows, same manifest); a
duplicate re-extract, k days older than the extract in the ``files`` layout, is k days older
than its record's final sync here (so it lands in the sync k days earlier, or in the initial
one). A row whose key an injected defect blanked (null_id) has no versions: only its final row.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from abm_warehouse.raw.contract import LOADED_AT, Table
from abm_warehouse.raw.generator.defects import fmt_ts
from abm_warehouse.raw.generator.sinks import load_date_of, sync_time
from abm_warehouse.raw.generator.story import World, b, money, rng_for

# Tables whose rows carry their own load time: appended in the sync of their _loaded_at.
APPEND_TABLES = (
    "email_campaign",
    "email_event",
    "form_submission",
    "identify",
    "web_event",
    "ad_performance_daily",
    "ad_company_daily",
    "social_daily",
    "search_rank_daily",
)

# The columns whose times say when a table's final row last changed (default: the creation
# time - created_date, else the table's event time - and last_modified_date).
CHANGE_COLUMNS = {
    "subscription": ("started_at", "canceled_at", "ended_at"),
    "invoice": ("period_start", "paid_at"),
}
CONVERSION_COLUMNS = (
    "converted_date",
    "converted_account_id",
    "converted_contact_id",
    "converted_opportunity_id",
)
# Share of the eligible opportunities deleted in the delta window (at least one).
DELETED_OPPORTUNITY_RATE = 0.01
INVOICE_SETTLED_AFTER = timedelta(days=30)  # void / uncollectible: decided when it fell due


def parse_time(value: str | None) -> datetime | None:
    """A timestamp or date of a generated row (UTC, local part of an offset), None if none."""
    if not value:
        return None
    try:
        if len(value) == 10:
            return datetime.fromisoformat(value)
        return datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:  # an injected invalid_timestamp
        return None


def _key(t: Table, row: dict) -> tuple:
    return tuple(row.get(k) for k in t.key)


class Deltas:
    """Turns the final rows of the delta tables into their versions per sync."""

    def __init__(self, w: World, deltas_from: date):
        self.w = w
        self.deltas_from = datetime(deltas_from.year, deltas_from.month, deltas_from.day)
        self.initial = deltas_from + timedelta(days=1)
        self.extract = datetime.strptime(w.loaded_at(), "%Y-%m-%dT%H:%M:%SZ")
        self.lead_status: dict[str, list[tuple[str, str]]] = {}
        self.opportunity_history: dict[str, list[dict]] = {}
        self.deleted: list[dict] = []  # manifest rows of the deleted opportunities
        self.versions_written: dict[str, int] = {}  # table -> rows beyond one per record

    # ------------------------------------------------------------------ history indexes
    def add_lead_history(self, rows: list[dict]) -> None:
        for r in rows:
            if r["field"] == "Status" and r["lead_id"]:
                self.lead_status.setdefault(r["lead_id"], []).append(
                    (r["created_date"], r["new_value"])
                )

    def add_opportunity_history(self, rows: list[dict]) -> None:
        for r in rows:
            self.opportunity_history.setdefault(r["opportunity_id"], []).append(r)

    # ------------------------------------------------------------------ versions
    def load_date(self, when: datetime | None) -> date:
        """The sync after a change (a change after the as-of date: the sync after it)."""
        if when is None:
            return self.initial
        return load_date_of(min(when, self.w.end), self.initial)

    def versions(self, t: Table, clean: list[dict], result: list[dict]) -> list[dict]:
        """Rows to land for a delta table, each with ``_loaded_at`` = its sync time.

        ``clean`` are the story's rows, ``result`` what defect injection made of copies of
        them (the same rows in the same order, then the duplicate re-extracts it added).
        """
        finals, extras = result[: len(clean)], result[len(clean) :]
        dup_keys = {_key(t, e) for e in extras}
        final_sync: dict[tuple, date] = {}
        out: list[dict] = []

        def land(landed: list[tuple[date, dict]]) -> None:
            for day, row in landed:
                row[LOADED_AT] = fmt_ts(sync_time(day))
                out.append(row)
            key = _key(t, landed[-1][1])
            if key in dup_keys:
                final_sync[key] = landed[-1][0]

        if t.name == "opportunity":  # deletions follow each record's last change
            records, last_change = [], []
            for c, f in zip(clean, finals, strict=True):
                landed, when = self._collapse(self._record_versions(t, c, f))
                records.append(landed)
                last_change.append(when)
            self._delete_opportunities(clean, finals, records, last_change)
            for landed in records:
                land(landed)
        else:  # record by record: nothing but the rows to write is kept
            for c, f in zip(clean, finals, strict=True):
                land(self._collapse(self._record_versions(t, c, f))[0])
        for e in extras:  # k days older than the extract there: k days older than its sync
            older = self.extract - datetime.strptime(e[LOADED_AT], "%Y-%m-%dT%H:%M:%SZ")
            final = sync_time(final_sync.get(_key(t, e), self.initial))
            e[LOADED_AT] = fmt_ts(final - timedelta(days=round(older / timedelta(days=1))))
            out.append(e)
        self.versions_written[t.name] = len(out) - len(result)
        return out

    def _collapse(
        self, versions: list[tuple[datetime | None, dict]]
    ) -> tuple[list[tuple[date, dict]], datetime | None]:
        """(load date, row) per sync with a version (the latest of that sync), in order; and
        the time of the last change."""
        landed: dict[date, dict] = {}
        latest = None
        for when, row in versions:
            if when is not None:
                when = min(when, self.w.end)
                latest = when if latest is None else max(latest, when)
            landed[self.load_date(latest)] = row  # a version never lands before an earlier one
        return list(landed.items()), latest

    def _record_versions(self, t: Table, c: dict, f: dict) -> list[tuple[datetime | None, dict]]:
        final = (self._final_time(t, c, f), f)
        if _key(t, c) != _key(t, f):  # null_id: a row without its key has no history
            return [final]
        if t.name == "lead":
            return [*self._lead(c), final]
        if t.name == "opportunity":
            return [*self._opportunity(c), final]
        if t.name == "subscription":
            return [*self._subscription(c), final]
        if t.name == "invoice":
            return [*self._invoice(c), final]
        if t.has_last_modified:
            created = parse_time(c.get("created_date"))
            modified = parse_time(c.get("last_modified_date"))
            if created is not None and modified is not None and created < modified:
                return [(created, {**c, "last_modified_date": fmt_ts(created)}), final]
        return [final]

    def _final_time(self, t: Table, c: dict, f: dict) -> datetime | None:
        columns = CHANGE_COLUMNS.get(t.name)
        if columns is None:
            created = "created_date" if "created_date" in t.column_names else t.event_time
            columns = (created, "last_modified_date" if t.has_last_modified else "")
        times = [parse_time(row.get(col)) for col in columns if col for row in (c, f)]
        if t.name == "invoice" and c["status"] in ("void", "uncollectible"):
            times.append(parse_time(c["period_start"]) + INVOICE_SETTLED_AFTER)
        found = [x for x in times if x is not None]
        return max(found) if found else None

    def _lead(self, c: dict) -> list[tuple[datetime | None, dict]]:
        created = parse_time(c["created_date"])
        row = {
            **c,
            "status": "Open",
            "is_converted": b(False),
            "last_modified_date": c["created_date"],
        }
        row.update(dict.fromkeys(CONVERSION_COLUMNS))
        out = [(created, row)]
        for when, status in sorted(self.lead_status.get(c["id"], ())):
            row = {**row, "status": status, "last_modified_date": when}
            if status == "Converted":
                row.update({k: c[k] for k in CONVERSION_COLUMNS}, is_converted=c["is_converted"])
            out.append((parse_time(when), row))
        return out

    def _opportunity(self, c: dict) -> list[tuple[datetime | None, dict]]:
        out = []
        for h in sorted(self.opportunity_history.get(c["id"], ()), key=lambda h: h["created_date"]):
            stage = h["stage_name"]
            row = {
                **c,
                "stage_name": stage,
                "amount": h["amount"],
                "close_date": h["close_date"],
                "probability": h["probability"],
                "is_closed": b(stage.startswith("Closed")),
                "is_won": b(stage == "Closed Won"),
                "last_modified_date": h["created_date"],
            }
            out.append((parse_time(h["created_date"]), row))
        return out

    def _subscription(self, c: dict) -> list[tuple[datetime | None, dict]]:
        started = {**c, "status": "active", "canceled_at": None, "ended_at": None}
        out = [(parse_time(c["started_at"]), started)]
        if c["canceled_at"]:  # cancelled to the end of its period: active until it ends
            cancelled = {**c, "status": "active", "ended_at": None}
            out.append((parse_time(c["canceled_at"]), cancelled))
        return out

    def _invoice(self, c: dict) -> list[tuple[datetime | None, dict]]:
        issued = {**c, "status": "open", "amount_paid": money(0), "paid_at": None}
        return [(parse_time(c["period_start"]), issued)]

    # ------------------------------------------------------------------ deletions
    def _delete_opportunities(self, clean, finals, records, last_change) -> None:
        """Delete a few opportunities in the delta window: created before D0, not won, not
        already deleted, deleted a while after their last change and before the as-of date."""
        w = self.w
        window_start = sync_time(self.initial)
        eligible = []
        for i, (c, f) in enumerate(zip(clean, finals, strict=True)):
            created = parse_time(c["created_date"])
            lo = max(last_change[i] or window_start, window_start) + timedelta(hours=1)
            if (
                f["id"] is not None
                and f["id"] == c["id"]
                and f["is_deleted"] == "false"
                and c["is_won"] == "false"
                and created is not None
                and created < self.deltas_from
                and lo < w.end - timedelta(days=2)
            ):
                eligible.append((i, lo))
        if not eligible:
            return
        rng = rng_for(w.seed, "deltas:deleted_opportunity")
        k = max(1, round(len(eligible) * DELETED_OPPORTUNITY_RATE))
        chosen = sorted(int(j) for j in rng.choice(len(eligible), size=k, replace=False))
        for j in chosen:
            i, lo = eligible[j]
            when = w.rand_time(rng, lo, w.end - timedelta(hours=1))
            row = {**finals[i], "is_deleted": "true", "last_modified_date": fmt_ts(when)}
            day = self.load_date(when)
            records[i] = [(d, r) for d, r in records[i] if d != day] + [(day, row)]
            last_change[i] = when
            self.deleted.append(
                {
                    "table_name": "opportunity",
                    "defect_class": "soft_deleted",
                    "expected_outcome": "quarantined",
                    "expected_reason": "soft_deleted",
                    "record_key": row["id"],
                }
            )
