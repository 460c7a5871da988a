"""YAML: the sources (with meta.needed_by), the seed properties, base and quarantine model
properties, the foreign keys."""

from __future__ import annotations

import yaml

from abm_warehouse.quality import column_lineage
from abm_warehouse.raw.contract import (
    APPEND_ONLY_TABLES,
    LOADED_AT,
    QUARANTINE_REASONS,
    TABLES,
    Table,
)
from abm_warehouse.raw.contract_render.names import HEADER, model_names


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
    if len(t.key) == 1:
        model["columns"].append(
            {
                "name": "_trimmed_key",
                "description": f"The de-duplication key as staged (`{t.key[0]}` trimmed) where "
                "it differs from the raw value, else NULL: an incremental run finds the stored "
                "rows of the keys that arrived by the raw key or by this column, both plain "
                "columns (bookkeeping, no KPI reads it).",
            }
        )
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
