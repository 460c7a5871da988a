"""Inject the raw contract's defect classes into clean generated rows, and say exactly what.

Each injected raw row carries exactly one defect, and a manifest row records it:
``table_name, defect_class, expected_outcome, expected_reason, record_key``. Staging must
reproduce the manifest: quarantine counts per reason and superseded counts per table.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from abm_warehouse.raw.contract import DEFECT_CLASSES, Table

MANIFEST_COLUMNS = [
    "table_name",
    "defect_class",
    "expected_outcome",
    "expected_reason",
    "record_key",
]

# Quarantine reason of each defect class whose outcome is "quarantined".
REASONS = {
    "soft_deleted": "soft_deleted",
    "null_id": "missing_id",
    "invalid_amount": "invalid_amount",
    "invalid_timestamp": "invalid_timestamp",
}

_BAD_AMOUNTS = ("-120.00", "12O.50", "n/a", "-1")
_BAD_TIMESTAMPS = ("not-a-date", "2024-13-45T99:00:00Z")
_BAD_EMAILS = ("{local}_at_{domain}", "@@{domain}", "{local}@")
_UNKNOWN_ENUMS = ("Pending", "unknown_value", "scroll")
_UNKNOWN_CURRENCIES = ("XYZ", "EURO")


def parse_ts(value: str) -> datetime:
    return datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")


def fmt_ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _key(table: Table, row: dict) -> str:
    return "|".join(row.get(k) or "" for k in table.key)


def _first(table: Table, types: tuple[str, ...], required: bool | None = None):
    for c in table.columns:
        if (
            c.type in types
            and (c.name not in table.key or c.type == "email")
            and (required is None or c.required == required)
        ):
            return c.name
    return None


def _timestamp_column(table: Table) -> str | None:
    if table.event_time and table.column(table.event_time).type == "timestamp":
        return table.event_time
    return _first(table, ("timestamp",), True)


def _eligible(table: Table, defect: str, row: dict) -> bool:
    """Whether a clean row can carry this defect (the column it needs is filled)."""
    if defect == "invalid_amount":
        col = _first(table, ("money",))
        return col is not None and row.get(col) not in (None, "")
    if defect in ("messy_email", "malformed_email"):
        col = _first(table, ("email",))
        return col is not None and row.get(col) not in (None, "") and "@" in row[col]
    if defect == "orphan_foreign_key":
        return row.get("account_id") not in (None, "")
    if defect == "unknown_currency":
        col = _first(table, ("currency",))
        return col is not None and row.get(col) not in (None, "")
    if defect == "unknown_enum":
        col = _first(table, ("enum",))
        return col is not None and row.get(col) not in (None, "")
    if defect == "invalid_timestamp":
        col = _first(table, ("timestamp",), True)
        return col is not None and row.get(col) not in (None, "")
    if defect in ("timestamp_with_offset", "late_arriving_event"):
        col = _timestamp_column(table)
        return col is not None and row.get(col) not in (None, "")
    if defect == "future_timestamp":
        return row.get("created_date") not in (None, "")
    return True


def inject(
    table: Table,
    rows: list[dict],
    rng: np.random.Generator,
    rate: float,
    as_of: datetime,
    min_per_class: int = 0,
    loaded_cap: datetime | None = None,
) -> tuple[list[dict], list[dict]]:
    """Return (rows with defects, manifest rows). ``rows`` are clean and are modified in place.

    For each defect class of the table, ``rate`` of the rows (at least ``min_per_class`` when
    the chunk is big enough) get it; chosen rows are disjoint across classes. ``loaded_cap``
    is the time of the extract the rows are written to, if there is a single one: a late
    arriving event is never loaded after it (it arrives late, but in that extract).
    """
    manifest: list[dict] = []
    extra: list[dict] = []
    n = len(rows)
    if n == 0 or not table.defects:
        return rows, manifest
    taken = np.zeros(n, dtype=bool)
    for defect in table.defects:
        want = int(rng.binomial(n, rate))
        if n >= 4:
            want = max(want, min_per_class)
        candidates = [i for i in rng.permutation(n) if not taken[i]]
        picked = []
        for i in candidates:
            if len(picked) >= want:
                break
            if _eligible(table, defect, rows[i]):
                picked.append(int(i))
        for i in sorted(picked):
            taken[i] = True
            row = rows[i]
            outcome = DEFECT_CLASSES[defect]
            record = {
                "table_name": table.name,
                "defect_class": defect,
                "expected_outcome": outcome,
                "expected_reason": REASONS.get(defect, ""),
                "record_key": _key(table, row),
            }
            _apply(table, defect, row, rng, as_of, extra, loaded_cap)
            if defect == "null_id":
                record["record_key"] = ""
            manifest.append(record)
    return rows + extra, manifest


def _apply(
    table: Table,
    defect: str,
    row: dict,
    rng,
    as_of: datetime,
    extra: list[dict],
    loaded_cap: datetime | None = None,
):
    pick = rng.integers
    if defect == "duplicate_reextract":
        old = dict(row)
        loaded = parse_ts(row["_loaded_at"]) - timedelta(days=int(pick(1, 8)))
        old["_loaded_at"] = fmt_ts(loaded)
        if table.has_last_modified and row.get("last_modified_date"):
            lmd = parse_ts(row["last_modified_date"]) - timedelta(days=int(pick(1, 30)))
            old["last_modified_date"] = fmt_ts(lmd)
        extra.append(old)
    elif defect == "soft_deleted":
        row["is_deleted"] = "true"
    elif defect == "null_id":
        row[table.key[0]] = None
    elif defect == "invalid_amount":
        row[_first(table, ("money",))] = _BAD_AMOUNTS[int(pick(0, len(_BAD_AMOUNTS)))]
    elif defect == "invalid_timestamp":
        row[_first(table, ("timestamp",), True)] = _BAD_TIMESTAMPS[
            int(pick(0, len(_BAD_TIMESTAMPS)))
        ]
    elif defect == "messy_email":
        col = _first(table, ("email",))
        local, domain = row[col].split("@", 1)
        row[col] = f"  {local.title()}@{domain.upper()} "
    elif defect == "malformed_email":
        col = _first(table, ("email",))
        local, domain = row[col].split("@", 1)
        template = _BAD_EMAILS[int(pick(0, len(_BAD_EMAILS)))]
        row[col] = template.format(local=local, domain=domain)
    elif defect == "orphan_foreign_key":
        row["account_id"] = f"001ORPHAN{int(pick(0, 10**9)):09d}"
    elif defect == "unknown_currency":
        col = _first(table, ("currency",))
        row[col] = _UNKNOWN_CURRENCIES[int(pick(0, len(_UNKNOWN_CURRENCIES)))]
    elif defect == "unknown_enum":
        col = _first(table, ("enum",))
        row[col] = _UNKNOWN_ENUMS[int(pick(0, len(_UNKNOWN_ENUMS)))]
    elif defect == "timestamp_with_offset":
        col = _timestamp_column(table)
        hours = int(pick(1, 10)) * (1 if pick(0, 2) else -1)
        local = parse_ts(row[col]) + timedelta(hours=hours)
        sign = "+" if hours >= 0 else "-"
        row[col] = local.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{abs(hours):02d}:00"
    elif defect == "future_timestamp":
        row["created_date"] = fmt_ts(as_of + timedelta(days=int(pick(30, 200)), hours=9))
    elif defect == "late_arriving_event":
        col = _timestamp_column(table)
        loaded = parse_ts(row[col]) + timedelta(days=int(pick(3, 11)))
        if loaded_cap is not None:
            loaded = min(loaded, loaded_cap)
        row["_loaded_at"] = fmt_ts(loaded)
    else:  # pragma: no cover - guarded by the contract's own validation
        raise ValueError(defect)
