"""Expected flags and orphans (warn tests sized from the generator's defect rate), the stg_
models' YAML and the versioned tables' models."""

from __future__ import annotations

import math

from abm_warehouse.raw.contract import (
    APPEND_ONLY_TABLES,
    DEFECT_CLASSES,
    TABLES,
    Column,
    Table,
)
from abm_warehouse.raw.contract_render.names import SQL_HEADER, _flags, model_names, staged_name
from abm_warehouse.raw.contract_render.sql import _future_column, render_stg_sql
from abm_warehouse.raw.contract_render.yml import FOREIGN_KEYS, REFRESHED_AT_DOC, _dump
from abm_warehouse.raw.generator.cli import DEFECT_RATE, MIN_DEFECTS_PER_CLASS

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
