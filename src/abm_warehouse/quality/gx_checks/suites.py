"""Suites as data: an expectation (`Expect`), a suite, and the helpers that make expectations."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas and GX load only when a suite runs: a no-op check stays light
    import pandas as pd


MART_SCHEMA = "marts"
REFERENCE_SCHEMA = "reference"
MART_PREFIXES = ("dim_", "fct_", "kpi_")
DEFAULT_DOCS = "gx_docs"  # under the dbt target path
# A mart with more rows is not loaded into pandas (its dbt tests still run): ~20 columns of
# 2M rows is about 1 GB in memory.
DEFAULT_MAX_ROWS = 2_000_000

SEGMENTS = ("ABM", "non-ABM")
REPORTING_SEGMENTS = ("ABM", "non-ABM", "all")
ATTRIBUTION_MODELS = ("first_touch", "last_touch", "linear", "u_shaped", "w_shaped", "time_decay")
WEIGHT_TOLERANCE = 1e-6
MONEY_TOLERANCE = 0.01
RATE_TOLERANCE = 1e-9  # sums of converted amounts differ in the last float bits


# ---------------------------------------------------------------------------- suites as data


@dataclass(frozen=True)
class Expect:
    """One expectation: a GX expectation class name, its arguments and why it is there."""

    kind: str
    kwargs: dict[str, Any]
    why: str = ""

    def key(self) -> tuple[str, str]:
        return self.kind, json.dumps(self.kwargs, sort_keys=True, default=str)


@dataclass
class Suite:
    """Expectations on one frame: a mart as read, or a frame computed from marts (`derive`)."""

    name: str
    sources: tuple[str, ...]
    expectations: list[Expect] = field(default_factory=list)
    derive: Callable[[dict[str, pd.DataFrame]], pd.DataFrame] | None = None
    description: str = ""

    def add(self, *expectations: Expect) -> None:
        seen = {e.key() for e in self.expectations}
        for e in expectations:
            if e.key() not in seen:
                self.expectations.append(e)
                seen.add(e.key())

    def columns(self, available: Iterable[str]) -> set[str] | None:
        """The columns of its mart (of `available`) the expectations read; None: every column
        of every source (a derived suite computes its frame from whole marts)."""
        if self.derive is not None:
            return None
        names = set(available)
        used: set[str] = set()
        for e in self.expectations:
            for key in ("column", "column_A", "column_B"):
                if isinstance(e.kwargs.get(key), str):
                    used.add(e.kwargs[key])
            used.update(e.kwargs.get("column_list") or ())
            condition = e.kwargs.get("row_condition")
            if isinstance(condition, str):  # a pandas query: the column names it mentions
                used.update(n for n in names if re.search(rf"\b{re.escape(n)}\b", condition))
        return used

    def frame(self, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
        if self.derive is not None:
            return self.derive(frames)
        return frames[self.sources[0]]


def needed_columns(
    suites: Iterable[Suite], available: dict[str, list[str]]
) -> dict[str, list[str] | None]:
    """Per mart of `available` (its columns), those the suites read (None: all of them). A
    column an expectation names that the mart lacks stays unread, so GX reports it missing."""
    needed: dict[str, set[str] | None] = {name: set() for name in available}
    for suite in suites:
        for source in suite.sources:
            if source not in needed:
                continue
            columns = suite.columns(available[source])
            current = needed[source]
            needed[source] = None if columns is None or current is None else current | columns
    return {
        name: None if cols is None else [c for c in available[name] if c in cols]
        for name, cols in needed.items()
    }


def not_null(column: str, why: str = "key column") -> Expect:
    return Expect("ExpectColumnValuesToNotBeNull", {"column": column}, why)


def between(column: str, low: float | None, high: float | None, why: str) -> Expect:
    return Expect(
        "ExpectColumnValuesToBeBetween",
        {"column": column, "min_value": low, "max_value": high},
        why,
    )


def in_set(column: str, values: Iterable[Any], why: str) -> Expect:
    return Expect("ExpectColumnValuesToBeInSet", {"column": column, "value_set": list(values)}, why)


def pair_ge(a: str, b: str, why: str) -> Expect:
    """a >= b on every row where both are present."""
    return Expect(
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {
            "column_A": a,
            "column_B": b,
            "or_equal": True,
            "ignore_row_if": "either_value_is_missing",
        },
        why,
    )


def pair_equal(a: str, b: str, why: str) -> Expect:
    return Expect(
        "ExpectColumnPairValuesToBeEqual",
        {"column_A": a, "column_B": b, "ignore_row_if": "either_value_is_missing"},
        why,
    )


def unique_grain(columns: list[str], why: str = "grain") -> Expect:
    if len(columns) == 1:
        return Expect("ExpectColumnValuesToBeUnique", {"column": columns[0]}, why)
    return Expect(
        "ExpectCompoundColumnsToBeUnique",
        {"column_list": list(columns), "ignore_row_if": "never"},
        why,
    )


def rows_between(low: int | None, high: int | None, why: str) -> Expect:
    return Expect("ExpectTableRowCountToBeBetween", {"min_value": low, "max_value": high}, why)
