"""Headers, model and column names, and the staging flags of a raw table."""

from __future__ import annotations

from abm_warehouse.raw.contract import (
    VERSIONED_TABLES,
    Column,
    Table,
)

HEADER = "# Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.\n"
SQL_HEADER = (
    "-- Rendered from src/abm_warehouse/raw/contract.py by `abm-warehouse contract --write`.\n"
)

NO_PLURAL = ("_daily", "_monthly", "_history")
RENAMES = {
    "created_date": "created_at",
    "last_modified_date": "last_modified_at",
    "start_date_time": "started_at",
    "currency_iso_code": "currency_code",
    "iso_code": "currency_code",
    "currency": "currency_code",
    "date": "report_date",
    "month": "spend_month",
    "created": "occurred_at",
    "period_start": "period_start_at",
    "period_end": "period_end_at",
}
# columns named after their entity in staging (`type` -> `opportunity_type`, ...)
ENTITY_PREFIXED = ("type", "name")
# how a contract type is cast in staging (the macros live in macros/staging/)
BANNERS = (
    ("ids", ("id",)),
    ("strings", ("string", "email", "enum", "currency")),
    ("numerics", ("integer", "decimal", "money")),
    ("booleans", ("boolean",)),
    ("dates", ("date",)),
    ("timestamps", ("timestamp",)),
)


def entity_plural(t: Table) -> str:
    name = t.name
    if name.endswith(NO_PLURAL):
        return name
    if name.endswith("y") and not name.endswith("ay"):
        return name[:-1] + "ies"
    return name + "s"


def model_names(t: Table) -> dict[str, str]:
    e = f"{t.system}__{entity_plural(t)}"
    names = {"base": f"base_{e}", "stg": f"stg_{e}", "quarantine": f"quarantine_{e}"}
    if t.name in VERSIONED_TABLES:
        names["versions"] = f"stg_{t.system}__{t.name}_versions"
    return names


def staged_name(t: Table, c: Column) -> str:
    if c.name == t.key[0] and c.type == "id" and c.name in ("id", "event_id"):
        return f"{t.name}_id"
    if c.name in ENTITY_PREFIXED:
        entity = "email_event" if t.name == "email_event" else t.name
        return f"{entity}_{c.name}"
    if c.name in RENAMES:
        return RENAMES[c.name]
    if c.name.endswith("_c"):
        return c.name[:-2]
    return c.name


def _flags(t: Table) -> list[tuple[str, str]]:
    types = {c.type for c in t.columns}
    flags = []
    if "email" in types:
        flags.append(
            ("has_invalid_email", "an e-mail was present but malformed (e-mail set to NULL)")
        )
    if "currency" in types:
        flags.append(("has_unknown_currency", "the currency code is not a known ISO 4217 code"))
    if "enum" in types:
        flags.append(("has_unknown_enum", "an enum column holds a value outside its accepted list"))
    if any(c.required and c.type in ("date", "timestamp") for c in t.columns):
        flags.append(
            ("is_future_dated", "the record's own date / timestamp is after var as_of_date")
        )
    return flags
