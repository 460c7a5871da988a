"""Render the dbt files that follow from the raw contract, and check they have not drifted.

From ``abm_warehouse.raw.contract`` this writes, per raw table:

* ``models/staging/<system>/_<system>__sources.yml`` — the source, its columns with
  ``meta.contract_type`` / ``meta.required`` / ``meta.accepted_values`` and ``meta.needed_by``
  (the ``kpi_`` marts that depend on the column, from ``column_lineage.json``), freshness;
* ``models/staging/<system>/base/base_<system>__<entities>.sql|yml`` — every raw row, with its
  outcome (staged / quarantined / superseded) and reason;
* ``models/staging/<system>/stg_<system>__<entities>.sql|yml`` — the clean rows, typed and
  renamed to the project's conventions;
* ``models/staging/<system>/quarantine/quarantine_<system>__<entities>.sql|yml`` — the rows
  that could not be staged, raw values and reason;
* ``seeds/raw_sample/_raw_sample__seeds.yml`` — every raw sample column loads as text.

``abm-warehouse contract --write`` writes them; ``--check`` (run by the tests) fails when a
committed file differs from a fresh render, so the contract, the sources and the staging
layer cannot drift apart.
"""

from __future__ import annotations

import argparse
import difflib
import math
import sys
from pathlib import Path

import yaml

from abm_warehouse.quality import column_lineage
from abm_warehouse.raw.contract import (
    APPEND_ONLY_TABLES,
    DEFECT_CLASSES,
    KNOWN_CURRENCIES,
    LOADED_AT,
    QUARANTINE_REASONS,
    TABLES,
    VERSIONED_TABLES,
    Column,
    Table,
)
from abm_warehouse.raw.generator.cli import DEFECT_RATE, MIN_DEFECTS_PER_CLASS

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


# ----------------------------------------------------------------------------- YAML
class _FlowList(list):
    """A list dumped in flow style ([a, b, ...]), wrapped at the width: long, rarely read."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _FlowList, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, True)
)


def _dump(data: dict) -> str:
    return HEADER + yaml.dump(data, Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=True)


def render_sources(system: str) -> str:
    # the kpi_ marts each column feeds (src/abm_warehouse/quality/column_lineage.json): a column with
    # any is needed, and its absence from a file stops the build (raw_needed_columns.sql)
    lineage = column_lineage.load()
    tables = []
    for t in (t for t in TABLES if t.system == system):
        columns = []
        for c in t.columns:
            meta = {"contract_type": c.type, "required": c.required}
            if c.accepted_values:
                meta["accepted_values"] = list(c.accepted_values)
            needed_by = column_lineage.needed_by(f"{system}.{t.name}.{c.name}", lineage)
            if needed_by:
                meta["needed_by"] = _FlowList(needed_by)
            columns.append(
                {
                    "name": c.name,
                    "description": c.description
                    or f"{c.name} ({c.type}{', required' if c.required else ''})",
                    "meta": meta,
                }
            )
        columns.append(
            {
                "name": LOADED_AT,
                "description": "When the extract was taken (optional); the latest wins on re-extracts.",
                "meta": {"contract_type": "timestamp", "required": False},
            }
        )
        tables.append(
            {
                "name": t.name,
                "description": t.description,
                "meta": {"key": list(t.key), "event_time": t.event_time or None},
                "config": {
                    "loaded_at_field": f"cast({LOADED_AT} as timestamp)",
                    "freshness": {
                        "warn_after": {"count": 2, "period": "day"},
                        "error_after": {"count": 7, "period": "day"},
                    },
                },
                "columns": columns,
            }
        )
    return _dump(
        {
            "version": 2,
            "sources": [
                {
                    "name": system,
                    "description": f"Raw extracts of the {system.replace('_', ' ')} system, as delivered "
                    "(every column text): the seeded sample, or with var raw_extracts_path one file "
                    "per table or a folder of delta files per table (docs/operations.md, Delta "
                    "landing), or with var raw_database a schema a loader writes (abm-warehouse "
                    "load). See shared raw contract.",
                    # a loader's database: var raw_database, or `landing` (profiles.yml attaches
                    # ABM_RAW_DATABASE_PATH); else none, the warehouse itself (the seeds). The
                    # schema: var raw_schemas per system, else ABM_RAW_SCHEMA (default abm_raw)
                    # in a loader's database, else var raw_schema. (Vars of dbt_project.yml are
                    # not rendered here, so the environment is read here.)
                    "database": "{{ var('raw_database', '') or ('landing' if "
                    "env_var('ABM_RAW_DATABASE_PATH', '') else none) }}",
                    "schema": "{{ var('raw_schemas', {}).get('" + system + "') or "
                    "(env_var('ABM_RAW_SCHEMA', 'abm_raw') if env_var('ABM_RAW_DATABASE_PATH', '') "
                    "else var('raw_schema')) }}",
                    "tables": tables,
                }
            ],
        }
    )


# Raw seed columns are text. "string" is DuckDB's alias of VARCHAR and Spark's text type (Spark
# rejects a VARCHAR without a length), so the same seed YAML loads on both engines.
SEED_TEXT_TYPE = "string"


def render_seeds() -> str:
    seeds = []
    for t in TABLES:
        seeds.append(
            {
                "name": t.name,
                "description": f"Committed raw sample of {t.system}.{t.name}: {t.description}",
                "config": {
                    "column_types": {c: SEED_TEXT_TYPE for c in (*t.column_names, LOADED_AT)}
                },
            }
        )
    seeds.append(
        {
            "name": "raw_defect_manifest",
            "description": "Every defect the generator injected into the committed sample: one row "
            "per defective raw row, with the outcome and quarantine reason staging "
            "must give it.",
            "config": {
                "schema": "reference",
                "tags": ["reference"],
                "column_types": {
                    "table_name": SEED_TEXT_TYPE,
                    "defect_class": SEED_TEXT_TYPE,
                    "expected_outcome": SEED_TEXT_TYPE,
                    "expected_reason": SEED_TEXT_TYPE,
                    "record_key": SEED_TEXT_TYPE,
                },
            },
        }
    )
    return _dump({"version": 2, "seeds": seeds})


REFRESHED_AT_DOC = (
    "When a dbt run last (re)wrote this row (run_started_at; bookkeeping for the incremental "
    "models downstream, no KPI reads it)."
)


def render_base_yml(t: Table) -> str:
    m = model_names(t)
    model = _base_model_yml(t, m)
    if t.name in APPEND_ONLY_TABLES:
        model["columns"].append({"name": "dbt_refreshed_at", "description": REFRESHED_AT_DOC})
    return _dump({"version": 2, "models": [model]})


def _base_model_yml(t: Table, m: dict[str, str]) -> dict:
    arguments = {
        "source_name": t.system,
        "table_name": t.name,
        "staged_model": m["stg"],
        "quarantine_model": m["quarantine"],
        "reasons": list(QUARANTINE_REASONS),
    }
    if t.name in APPEND_ONLY_TABLES:
        arguments["rows_written_by_last_run"] = True
    return {
        "name": m["base"],
        "description": f"One row per raw row of {t.system}.{t.name} (every raw row, none "
        "dropped), with its raw text values, a stable `_raw_row_key`, its "
        "outcome (staged / quarantined / superseded by a newer re-extract) and "
        f"the quarantine reason. De-duplication key: {', '.join(t.key)}. One test, "
        "staging_outcomes, checks in one scan: raw rows = base rows, _raw_row_key unique and "
        "not null, the outcomes and reasons, and that the staged and quarantine models hold "
        "exactly the staged and quarantined rows"
        + (
            " (key and outcomes on the rows the latest run wrote: delete+insert on "
            "_raw_row_key keeps keys unique between runs)."
            if t.name in APPEND_ONLY_TABLES
            else "."
        ),
        "data_tests": [{"staging_outcomes": {"arguments": arguments}}],
        "columns": [
            {
                "name": "_raw_row_key",
                "description": "Stable key of the raw row: hash of its values and its ordinal "
                "among exact copies (unique, never NULL: staging_outcomes).",
            },
            {
                "name": "_row_outcome",
                "description": "staged, quarantined or superseded (staging_outcomes).",
            },
            {
                "name": "_quarantine_reason",
                "description": "Why the row was quarantined: one of "
                f"{', '.join(QUARANTINE_REASONS)}; NULL unless quarantined (staging_outcomes).",
            },
            {
                "name": "_source_file",
                "description": "The raw file the row was read from (a delta folder's file; "
                "NULL for the seeded sample).",
            },
        ],
    }


def render_quarantine_yml(t: Table) -> str:
    m = model_names(t)
    return _dump(
        {
            "version": 2,
            "models": [
                {
                    "name": m["quarantine"],
                    "description": f"One row per raw row of {t.system}.{t.name} that could not "
                    "be staged: its raw values as delivered and a machine-readable reason "
                    f"({', '.join(QUARANTINE_REASONS)}). The rows of {m['base']} whose outcome "
                    "is quarantined: their key and reasons are checked there, by its "
                    "staging_outcomes test, and this model's row count with them.",
                    "config": {
                        "meta": {
                            "primary_key": "_raw_row_key",
                            "primary_key_guaranteed_by": f"a filter of {m['base']}, whose "
                            "staging_outcomes test checks _raw_row_key unique and not null",
                        }
                    },
                    "columns": [
                        {
                            "name": "_raw_row_key",
                            "description": "Stable key of the raw row (unique, never NULL: "
                            f"{m['base']}).",
                        },
                        {
                            "name": "_quarantine_reason",
                            "description": "Why the row could not be staged (never NULL, one "
                            f"of the reasons: {m['base']}).",
                        },
                    ],
                }
            ],
        }
    )


FOREIGN_KEYS = {  # (table, column) -> (referenced table, its key)
    ("contact", "account_id"): "account",
    ("opportunity", "account_id"): "account",
    ("subscription", "account_id"): "account",
    ("opportunity_contact_role", "opportunity_id"): "opportunity",
    ("opportunity_history", "opportunity_id"): "opportunity",
    ("lead_history", "lead_id"): "lead",
    ("campaign_member", "campaign_id"): "campaign",
    ("email_event", "email_campaign_id"): "email_campaign",
    ("form_submission", "form_id"): "form",
    ("invoice", "subscription_id"): "subscription",
}

# ---------------------------------------------------------------- expected flags and orphans
# The staging flags and foreign keys are warn tests. The generator injects each defect class
# of a table (contract.Table.defects) into DEFECT_RATE of its rows, at least
# MIN_DEFECTS_PER_CLASS (generator/cli.py), so the committed sample carries flagged and orphan
# rows on purpose. Each warn test allows EXPECTATION_MARGIN times the share the generator
# produces (rounded up to half a percent), so a clean build of the sample ends without
# warnings and a warning means the share grew (docs/data_quality.md, "Expected flags and
# orphans"). A flag or foreign key the generator does not inject allows no row at all.
EXPECTATION_MARGIN = 2.5
# flag column -> the defect class that sets it
FLAG_DEFECTS = {
    "has_invalid_email": "malformed_email",
    "has_unknown_currency": "unknown_currency",
    "has_unknown_enum": "unknown_enum",
    "is_future_dated": "future_timestamp",
}
# Parent tables so small in the committed sample (rows) that MIN_DEFECTS_PER_CLASS, not
# DEFECT_RATE, sets the share of their rows the generator quarantines (and so orphans the
# children of).
SMALL_SAMPLE_TABLES = {"campaign": 50, "email_campaign": 147}
# Tables whose records are planned ahead: a future-dated row starting in the next N months
# after the as-of month is expected, not a defect (finance enters next month's dated
# conversion rates before it starts; the generator writes them through as_of + 40 days).
PLANNED_MONTHS_AHEAD = {"dated_conversion_rate": 2}


def _allowed_share(expected: float) -> float:
    """EXPECTATION_MARGIN times the expected share, rounded up to half a percent."""
    return math.ceil(round(expected * EXPECTATION_MARGIN * 200, 6)) / 200


def _percent(share: float) -> str:
    return f"{share * 100:.3g} %"


def flag_expectation(t: Table, flag: str) -> tuple[float, str] | None:
    """(max_share, why) of a staging flag the generator injects into ``t``; None otherwise."""
    defect = FLAG_DEFECTS[flag]
    if defect not in t.defects:
        return None
    share = _allowed_share(DEFECT_RATE)
    why = (
        f"Warns when more than {_percent(share)} of the rows are flagged: the generator injects "
        f"{defect} into {_percent(DEFECT_RATE)} of the {t.name} rows of the sample (contract "
        f"defects, generator DEFECT_RATE); {EXPECTATION_MARGIN:g} times that is the expected "
        "share with margin."
    )
    return share, why


def _quarantined_share(t: Table) -> tuple[float, list[str]]:
    """Share of ``t``'s records the generator quarantines, and the defect classes doing it."""
    classes = [d for d in t.defects if DEFECT_CLASSES[d] == "quarantined"]
    per_class = DEFECT_RATE
    if t.name in SMALL_SAMPLE_TABLES:
        per_class = max(per_class, MIN_DEFECTS_PER_CLASS / SMALL_SAMPLE_TABLES[t.name])
    return per_class * len(classes), classes


def orphan_expectation(child: Table, parent: Table) -> tuple[float, str] | None:
    """(max_share, why) of a foreign key's orphans in the sample; None when none are injected.

    Orphans are the child's injected orphan_foreign_key rows plus the children of the parent
    records the generator quarantines (soft deleted, missing id, invalid amount, ...)."""
    own = DEFECT_RATE if "orphan_foreign_key" in child.defects else 0.0
    of_parent, classes = _quarantined_share(parent)
    expected = own + of_parent
    if expected == 0:
        return None
    parts = []
    if own:
        parts.append(f"{_percent(own)} orphan_foreign_key injected into {child.name}")
    if of_parent:
        small = parent.name in SMALL_SAMPLE_TABLES
        parts.append(
            f"the children of the {parent.name} records it quarantines (about "
            f"{_percent(of_parent)}: {', '.join(classes)}"
            + (
                f"; at least {MIN_DEFECTS_PER_CLASS} of the {SMALL_SAMPLE_TABLES[parent.name]} "
                "sample rows per class"
                if small
                else ""
            )
            + ")"
        )
    share = _allowed_share(expected)
    why = (
        f"Warns when more than {_percent(share)} of the rows are orphans: the generator makes "
        f"about {_percent(expected)} of them orphans in the sample, {' plus '.join(parts)}; "
        f"{EXPECTATION_MARGIN:g} times that is the expected share with margin."
    )
    return share, why


def _flag_test(t: Table, flag: str) -> dict:
    """The warn test of a staging flag, with its expected share when the generator injects it."""
    if flag == "is_future_dated" and t.name in PLANNED_MONTHS_AHEAD:
        months = PLANNED_MONTHS_AHEAD[t.name]
        return {
            "future_dated_within": {
                "arguments": {
                    "date_column": staged_name(t, _future_column(t)),
                    "months": months,
                },
                "config": {"severity": "warn"},
                "description": f"Warns when a row is dated after the {months} months that "
                f"follow the as-of month: {t.name} records are planned ahead (finance enters "
                "next month's rates before it starts; the generator writes them through as_of "
                "+ 40 days), so a row dated in those months is expected, not a defect.",
            }
        }
    expectation = flag_expectation(t, flag)
    if expectation is None:
        return {"not_flagged": {"config": {"severity": "warn"}}}
    share, why = expectation
    return {
        "not_flagged": {
            "arguments": {"max_share": share},
            "config": {"severity": "warn"},
            "description": why,
        }
    }


def _latest_run_only(test: str | dict) -> dict:
    """A data test restricted to the rows the latest run wrote (macros/utils/test_scope.sql)."""
    if isinstance(test, str):
        return {test: {"config": {"where": "rows_written_by_last_run"}}}
    [(name, spec)] = test.items()
    return {
        name: {**spec, "config": {**spec.get("config", {}), "where": "rows_written_by_last_run"}}
    }


def render_stg_yml(t: Table) -> str:
    m = model_names(t)
    by_name = {x.name: x for x in TABLES}
    incremental = t.name in APPEND_ONLY_TABLES
    columns = []
    for c in t.columns:
        name = staged_name(t, c)
        spec: dict = {"name": name, "description": _describe(t, c)}
        tests: list = []
        if len(t.key) == 1 and c.name == t.key[0]:
            tests = ["unique", "not_null"]
        fk = FOREIGN_KEYS.get((t.name, c.name))
        if fk:
            ref_t = by_name[fk]
            arguments: dict = {
                "to": f"ref('{model_names(ref_t)['stg']}')",
                "field": staged_name(ref_t, ref_t.column(ref_t.key[0])),
            }
            expectation = orphan_expectation(t, ref_t)
            if expectation is None:
                test = {"relationships": {"arguments": arguments, "config": {"severity": "warn"}}}
            else:
                share, why = expectation
                test = {
                    "relationships_at_most": {
                        "arguments": {**arguments, "max_share": share},
                        "config": {"severity": "warn"},
                        "description": why,
                    }
                }
            tests.append(test)
        if tests:
            spec["data_tests"] = [_latest_run_only(x) for x in tests] if incremental else tests
        columns.append(spec)
    columns.append(
        {
            "name": "loaded_at",
            "description": "When the extract holding this version was taken (UTC).",
        }
    )
    if t.name in APPEND_ONLY_TABLES:
        columns.append({"name": "dbt_refreshed_at", "description": REFRESHED_AT_DOC})
    for flag, text in _flags(t):
        columns.append(
            {
                "name": flag,
                "description": f"True when {text}; the row is kept. Never NULL (a coalesced "
                "boolean).",
                "data_tests": [
                    _latest_run_only(x) if incremental else x for x in [_flag_test(t, flag)]
                ],
            }
        )
    model: dict = {
        "name": m["stg"],
        "description": f"One row per {t.name.replace('_', ' ')} record "
        f"(key: {', '.join(staged_name(t, t.column(k)) for k in t.key)}): the latest "
        f"clean version from {t.system}.{t.name}, typed (try_cast), e-mails "
        "normalised, timestamps in UTC, renamed to the project's conventions. "
        f"Rows that could not be staged are in {m['quarantine']}."
        + (
            " Incremental (restaged by key): its tests check the rows the latest run wrote "
            "(where: rows_written_by_last_run), since a run deletes every key it restages "
            "before inserting it; flags warn about the rows that run staged."
            if incremental
            else ""
        ),
    }
    if len(t.key) > 1:
        model["data_tests"] = [
            {
                "unique_combination_of_columns": {
                    "arguments": {
                        "combination_of_columns": [staged_name(t, t.column(k)) for k in t.key]
                    }
                }
            }
        ]
    model["columns"] = columns
    return _dump({"version": 2, "models": [model]})


def render_versions_yml(t: Table) -> str:
    m = model_names(t)
    key = staged_name(t, t.column(t.key[0]))
    model = {
        "name": m["versions"],
        "description": f"One row per version of a {t.name.replace('_', ' ')} record that the "
        f"raw extracts of {t.system}.{t.name} hold (key: record_version_id, one raw row): the "
        f"latest one (also in {m['stg']}) and every older one a newer version superseded, "
        f"typed like {m['stg']}. A folder of daily deltas holds every change of a record, so "
        "the history models read the same versions whether the warehouse was refreshed day "
        "by day or built from scratch. Quarantined rows (soft deletes included) are left out.",
        "columns": [
            {
                "name": "record_version_id",
                "description": f"The raw row of the version (_raw_row_key of {m['base']}).",
                "data_tests": ["unique", "not_null"],
            },
            {
                "name": key,
                "description": _describe(t, t.column(t.key[0])),
                "data_tests": ["not_null"],
            },
            {
                "name": "is_latest_version",
                "description": f"True for the version {m['stg']} holds.",
                "data_tests": ["not_null"],
            },
            {
                "name": "last_modified_at",
                "description": "When the CRM last changed the record in this version (UTC).",
            },
            {
                "name": "loaded_at",
                "description": "When the extract holding this version was taken (UTC).",
            },
        ],
    }
    return _dump({"version": 2, "models": [model]})


def render_versions_sql(t: Table) -> str:
    """The stg_ model's typing over the staged and the superseded raw rows."""
    m = model_names(t)
    stg = render_stg_sql(t)
    source_before = (
        f"    select * from {{{{ ref('{m['base']}') }}}}\n    where _row_outcome = 'staged'\n"
    )
    source_after = (
        f"    select * from {{{{ ref('{m['base']}') }}}}\n"
        "    where _row_outcome in ('staged', 'superseded')\n"
    )
    assert source_before in stg
    stg = stg.replace(source_before, source_after)
    marker = "    select\n"
    head, _, rest = stg.partition(marker)
    ids = (
        "    select\n\n"
        "        -- version\n"
        "        _raw_row_key as record_version_id,\n"
        "        _row_outcome = 'staged' as is_latest_version,\n"
    )
    entity = t.name.replace("_", " ")
    doc = (
        f"-- Every version of {'an' if entity[0] in 'aeiou' else 'a'} {entity} record the raw "
        f"extracts hold: the latest (as in\n-- {m['stg']}) and the older ones a newer "
        "version superseded, typed the same way.\n-- The history models read it "
        "(int_account_tier_history, int_lead_status_versions,\n-- int_opportunity_versions).\n"
    )
    head = head.replace(SQL_HEADER, SQL_HEADER + doc, 1)
    return head + ids + rest.removeprefix("\n")


def _describe(t: Table, c: Column) -> str:
    base = c.description or c.name.replace("_", " ")
    kinds = {
        "id": "identifier (trimmed text)",
        "email": "e-mail, lower-cased and trimmed; NULL when malformed (has_invalid_email)",
        "enum": f"one of {', '.join(c.accepted_values)} (others flagged has_unknown_enum)",
        "currency": "ISO 4217 code, upper-cased (unknown codes flagged has_unknown_currency)",
        "timestamp": "timestamp in UTC (offsets converted)",
        "money": "amount (non-negative; negative or non-numeric rows are quarantined)",
    }
    extra = kinds.get(c.type, c.type)
    return f"{base[0].upper()}{base[1:]}: {extra}. Raw column `{c.name}`."


# ----------------------------------------------------------------------------- SQL
def render_base_sql(t: Table) -> str:
    if t.name in APPEND_ONLY_TABLES:
        # incremental: rows of keys with newer loads are restaged (delete+insert by raw row)
        config = "{{ config(**incremental_by_key_config('_raw_row_key')) }}"
        stamp = ", stamp_rows=true"
    else:
        config = "{{ config(materialized='table') }}"
        stamp = ""
    return (
        f"{SQL_HEADER}-- depends_on: {{{{ ref('{t.name}') }}}}\n"
        f"{config}\n\n"
        f"{{{{ stage_raw_table('{t.system}', '{t.name}'{stamp}) }}}}\n"
    )


def render_quarantine_sql(t: Table) -> str:
    m = model_names(t)
    return (
        f"{SQL_HEADER}\nwith base as (\n\n    select * from {{{{ ref('{m['base']}') }}}}\n\n),\n\n"
        "quarantined as (\n\n    select *\n    from base\n"
        "    where _row_outcome = 'quarantined'\n\n)\n\nselect * from quarantined\n"
    )


def _cast(c: Column) -> str:
    return {
        "id": f"{{{{ stage_text('{c.name}') }}}}",
        "string": f"{{{{ stage_text('{c.name}') }}}}",
        "email": f"{{{{ stage_email('{c.name}') }}}}",
        "enum": f"{{{{ stage_text('{c.name}') }}}}",
        "currency": f"{{{{ stage_currency('{c.name}') }}}}",
        "integer": f"{{{{ stage_integer('{c.name}') }}}}",
        "decimal": f"{{{{ stage_decimal('{c.name}') }}}}",
        "money": f"{{{{ stage_money('{c.name}') }}}}",
        "boolean": f"{{{{ stage_boolean('{c.name}') }}}}",
        "date": f"{{{{ stage_date('{c.name}') }}}}",
        "timestamp": f"{{{{ stage_timestamp('{c.name}') }}}}",
    }[c.type]


STG_INCREMENTAL_DOC = """\
-- A table, parsed once (not a view re-parsed by every consumer and test). Incremental: a run
-- restages the keys whose rows the base model (re)wrote since this model's last run (its
-- dbt_refreshed_at), with every raw row of those keys; the `restage` strategy
-- (macros/utils/restage.sql) deletes those keys and inserts their staged rows, so a key whose
-- newest version was quarantined or soft-deleted leaves. A later as-of date restages the rows
-- it turns from future-dated to known (is_future_dated reads it): from this table itself, the
-- rows differing only in that flag. Per engine: macros/utils/engines.sql.
"""


def render_stg_sql(t: Table) -> str:
    m = model_names(t)
    key = staged_name(t, t.column(t.key[0]))
    if t.name in APPEND_ONLY_TABLES:
        source = [
            f"{{{{ config(**staged_events_config('{key}')) }}}}\n",
            STG_INCREMENTAL_DOC,
            "-- The templater indents inside the if block: the layout is checked by eye.",
            "-- noqa: disable=LT02",
            "{% if is_incremental() %}",
            "with watermark as (\n",
            "    select max(dbt_refreshed_at) as refreshed_after",
            "    from {{ this }}\n",
            "),\n",
            "source as (\n",
            "    select base_rows.*",
            f"    from {{{{ ref('{m['base']}') }}}} as base_rows",
            "    cross join watermark",
            "    where {{ written_since_watermark('base_rows') }}\n",
            "),",
            "{% else %}",
            "with source as (\n",
            f"    select * from {{{{ ref('{m['base']}') }}}}",
            "    where _row_outcome = 'staged'\n",
            "),",
            "{% endif %}",
            "-- noqa: enable=LT02\n",
        ]
    else:
        source = [
            "with source as (\n",
            f"    select * from {{{{ ref('{m['base']}') }}}}",
            "    where _row_outcome = 'staged'\n",
            "),\n",
        ]
    lines = [SQL_HEADER, *source, "renamed as (\n", "    select\n"]
    body = []
    if t.name in APPEND_ONLY_TABLES:
        # the restage strategy inserts only the staged rows of a run and drops this column
        body.append("        {%- if is_incremental() %}")
        body.append("        _row_outcome,  -- noqa: LT02")
        body.append("        {%- endif %}\n")
    for banner, types in BANNERS:
        cols = [c for c in t.columns if c.type in types]
        if not cols:
            continue
        body.append(f"        -- {banner}")
        body.extend(f"        {_cast(c)} as {staged_name(t, c)}," for c in cols)
        body.append("")
    body.append("        -- load")
    body.append(f"        {{{{ stage_timestamp('{LOADED_AT}') }}}} as loaded_at,")
    if t.name in APPEND_ONLY_TABLES:
        body.append("        {{ run_stamp() }} as dbt_refreshed_at,")
    flags = _flags(t)
    if flags:
        body.append("")
        body.append("        -- flags (rows kept, see the model's warn tests)")
        for flag, _ in flags:
            body.append(f"        {_flag_sql(t, flag)} as {flag},")
    body[-1] = body[-1].rstrip(",")
    lines.append("\n".join(body))
    lines.append("\n    from source\n\n)\n")
    if t.name in APPEND_ONLY_TABLES:
        lines.append(_ripened_sql(t, key, staged_name(t, _future_column(t))))
        lines.append("select * from renamed\n{% endif %}\n-- noqa: enable=all\n")
    else:
        lines.append("\nselect * from renamed\n")
    return "\n".join(lines).replace("\n\n\n", "\n\n")


def _ripened_sql(t: Table, key: str, future: str) -> str:
    """The last select of an incremental staged event model when a later as-of date turns
    stored rows from future-dated to known: those rows again (not restaged from the base model,
    whose scan would parse every raw key: they differ only in the flag), known now, with this
    run's stamp. Rendered only when a stored row needs it (stored_rows_exist)."""
    ripened = f"stored.is_future_dated and stored.{future} < "
    return (
        "\n".join(
            [
                "-- noqa: disable=all",
                f"{{% if is_incremental() and stored_rows_exist('{ripened}' ~ as_of_end()) %}}",
                "select * from renamed",
                "union all by name",
                "select",
                "    stored.* exclude (is_future_dated, dbt_refreshed_at),",
                "    'staged' as _row_outcome,",
                "    false as is_future_dated,",
                "    {{ run_stamp() }} as dbt_refreshed_at",
                "from {{ this }} as stored",
                f"where {ripened}{{{{ as_of_end() }}}}",
                f"    and stored.{key} not in (",
                f"        select renamed.{key} from renamed where renamed.{key} is not null",
                "    )",
                "{% else %}",
            ]
        )
        + "\n"
    )


def _future_column(t: Table) -> Column:
    """The column whose value after as_of_date makes a row future-dated: the table's event time
    (a meeting's start may well be in the future; its creation may not)."""
    if t.event_time and t.column(t.event_time).required:
        return t.column(t.event_time)
    return next(c for c in t.columns if c.required and c.type in ("date", "timestamp"))


def _flag_sql(t: Table, flag: str) -> str:
    if flag == "has_invalid_email":
        cols = [c.name for c in t.columns if c.type == "email"]
        return " or ".join(f"{{{{ is_invalid_email('{c}') }}}}" for c in cols)
    if flag == "has_unknown_currency":
        cols = [c.name for c in t.columns if c.type == "currency"]
        return " or ".join(f"{{{{ is_unknown_currency('{c}') }}}}" for c in cols)
    if flag == "has_unknown_enum":
        parts = []
        for c in t.columns:
            if c.type == "enum":
                values = [f"'{v}'" for v in c.accepted_values]
                one_line = f"{{{{ is_unknown_enum('{c.name}', [{', '.join(values)}]) }}}}"
                if len(one_line) <= 80:
                    parts.append(one_line)
                    continue
                rows, row = [], []
                for v in values:
                    if row and len(", ".join([*row, v])) > 80:
                        rows.append(", ".join(row) + ",")
                        row = []
                    row.append(v)
                rows.append(", ".join(row))
                body = "\n".join(f"            {r}" for r in rows)
                parts.append(f"{{{{ is_unknown_enum('{c.name}', [\n{body}\n        ]) }}}}")
        return "\n        or ".join(parts)
    if flag == "is_future_dated":
        c = _future_column(t)
        return f"coalesce({_cast(c)} >= {{{{ as_of_end() }}}}, false)"
    raise ValueError(flag)


def render_manifest_test() -> str:
    parts = []
    for t in TABLES:
        parts.append(
            f"    select\n        '{t.name}' as table_name,\n        _row_outcome as row_outcome,\n"
            "        coalesce(_quarantine_reason, '') as reason,\n        count(*) as actual_rows\n"
            f"    from {{{{ ref('{model_names(t)['base']}') }}}}\n"
            "    where _row_outcome <> 'staged'\n    group by _row_outcome, _quarantine_reason"
        )
    union = "\n\n    union all\n\n".join(parts)
    return (
        f"{SQL_HEADER}-- For the committed sample: the rows quarantined per table and reason, and the\n"
        "-- rows superseded per table, are exactly those the generator says it injected\n"
        "-- (seeds/raw_sample/raw_defect_manifest.csv). Off when reading the user's own extracts.\n"
        "{{ config(enabled=(var('raw_extracts_path', '') | trim == '')) }}\n\n"
        "with expected as (\n\n    select\n        table_name,\n"
        "        expected_outcome as row_outcome,\n        coalesce(expected_reason, '') as reason,\n"
        "        count(*) as expected_rows\n    from {{ ref('raw_defect_manifest') }}\n"
        "    where expected_outcome in ('quarantined', 'superseded')\n"
        "    group by table_name, expected_outcome, coalesce(expected_reason, '')\n\n),\n\n"
        f"actual as (\n\n{union}\n\n),\n\n"
        "compared as (\n\n    select\n"
        "        coalesce(expected.table_name, actual.table_name) as table_name,\n"
        "        coalesce(expected.row_outcome, actual.row_outcome) as row_outcome,\n"
        "        coalesce(expected.reason, actual.reason) as reason,\n"
        "        coalesce(expected.expected_rows, 0) as expected_rows,\n"
        "        coalesce(actual.actual_rows, 0) as actual_rows\n"
        "    from expected\n    full outer join actual\n"
        "        on\n            expected.table_name = actual.table_name\n"
        "            and expected.row_outcome = actual.row_outcome\n"
        "            and expected.reason = actual.reason\n\n)\n\n"
        "select * from compared\nwhere expected_rows <> actual_rows\n"
    )


# ----------------------------------------------------------------------------- files
def render_all() -> dict[Path, str]:
    files: dict[Path, str] = {}
    for system in dict.fromkeys(t.system for t in TABLES):
        files[Path(f"models/staging/{system}/_{system}__sources.yml")] = render_sources(system)
    for t in TABLES:
        m = model_names(t)
        root = Path(f"models/staging/{t.system}")
        files[root / "base" / f"{m['base']}.sql"] = render_base_sql(t)
        files[root / "base" / f"{m['base']}.yml"] = render_base_yml(t)
        files[root / f"{m['stg']}.sql"] = render_stg_sql(t)
        files[root / f"{m['stg']}.yml"] = render_stg_yml(t)
        files[root / "quarantine" / f"{m['quarantine']}.sql"] = render_quarantine_sql(t)
        files[root / "quarantine" / f"{m['quarantine']}.yml"] = render_quarantine_yml(t)
        if t.name in VERSIONED_TABLES:
            files[root / f"{m['versions']}.sql"] = render_versions_sql(t)
            files[root / f"{m['versions']}.yml"] = render_versions_yml(t)
    files[Path("seeds/raw_sample/_raw_sample__seeds.yml")] = render_seeds()
    files[Path("tests/staging/assert_staging_outcomes_match_defect_manifest.sql")] = (
        render_manifest_test()
    )
    codes = ", ".join(f"'{c}'" for c in KNOWN_CURRENCIES)
    files[Path("macros/staging/known_currencies.sql")] = (
        f"{SQL_HEADER}{{#- ISO 4217 codes the warehouse knows; others are flagged. -#}}\n"
        f"{{% macro known_currencies() -%}}\n    ({codes})\n{{%- endmacro %}}\n"
    )
    return files


def check(root: Path) -> list[str]:
    problems = []
    for rel, text in render_all().items():
        path = root / rel
        if not path.exists():
            problems.append(f"missing: {rel}")
        elif path.read_text() != text:
            diff = difflib.unified_diff(
                path.read_text().splitlines(), text.splitlines(), str(rel), "rendered", lineterm=""
            )
            problems.append("\n".join(list(diff)[:20]))
    return problems


def write(root: Path) -> int:
    n = 0
    for rel, text in render_all().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            n += 1
    return n


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true", help="write the rendered files")
    group.add_argument("--check", action="store_true", help="fail when committed files drift")
    parser.add_argument("--root", type=Path, default=Path("."), help="project root")


def run(args: argparse.Namespace) -> int:
    if args.write:
        print(f"contract: {write(args.root)} file(s) written")
        return 0
    problems = check(args.root)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print("contract: rendered files drifted; run `abm-warehouse contract --write`")
        return 1
    print(f"contract: {len(render_all())} rendered files match the contract")
    return 0
