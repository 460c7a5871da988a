"""Building every mart's suite from the manifest, the rules and the reference seeds."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from abm_warehouse.quality.gx_checks.derived import derived_suites
from abm_warehouse.quality.gx_checks.manifest import MartSpec
from abm_warehouse.quality.gx_checks.rules import (
    MART_RULES,
    NULLABLE_GRAIN,
    SIGNED_BY_MART,
    SIGNED_KPI_COLUMNS,
    reference_rules,
)
from abm_warehouse.quality.gx_checks.suites import (
    Expect,
    Suite,
    between,
    in_set,
    not_null,
    rows_between,
    unique_grain,
)

if TYPE_CHECKING:  # pandas and GX load only when a suite runs: a no-op check stays light
    import pandas as pd


def mart_suite(
    spec: MartSpec,
    rules: Iterable[Expect] = (),
    numeric: Iterable[str] = (),
    dbt_tested: bool = True,
) -> Suite:
    """The suite of one mart: manifest-generated expectations, then its hand-written rules.

    `numeric` names the mart's numeric columns: in a kpi_ mart each must be >= 0 unless it
    is in SIGNED_KPI_COLUMNS. `dbt_tested` False leaves out the expectations that repeat one
    of the mart's dbt tests (grain, unique, not_null, accepted_values, is_rate): for a build
    whose dbt tests just ran on the same tables (a refresh), where they would check it twice.
    """
    suite = Suite(spec.name, (spec.name,), description=f"marts.{spec.name}")
    suite.add(rows_between(1, None, "the mart is not empty"))
    if spec.grain:
        if dbt_tested:
            suite.add(unique_grain(spec.grain, "grain (the model's primary-key test)"))
        nullable = NULLABLE_GRAIN.get(spec.name, set()) | (
            set() if dbt_tested else set(spec.not_null)
        )
        suite.add(*(not_null(c, "grain column") for c in spec.grain if c not in nullable))
    if dbt_tested:
        suite.add(*dbt_test_expectations(spec))
    rules = list(rules)
    ruled = {e.kwargs.get("column") for e in rules if e.kind == "ExpectColumnValuesToBeBetween"}
    if spec.name.startswith("kpi_"):
        for column in numeric:
            signed = SIGNED_KPI_COLUMNS | SIGNED_BY_MART.get(spec.name, set())
            if column in signed or column in spec.rates or column in ruled:
                continue
            suite.add(between(column, 0, None, "KPI counts, money and durations are >= 0"))
    # A rule on a column the mart no longer has fails (GX reports the missing column).
    suite.add(*rules)
    return suite


def dbt_test_expectations(spec: MartSpec) -> list[Expect]:
    """The expectations that repeat the mart's dbt tests, beside its grain's."""
    return [
        *(
            Expect("ExpectColumnValuesToBeUnique", {"column": c}, "unique")
            for c in sorted(spec.unique)
        ),
        *(not_null(c, "not_null test") for c in sorted(spec.not_null)),
        *(in_set(c, v, "accepted_values test") for c, v in sorted(spec.accepted.items())),
        *(between(c, 0, 1, "is_rate: a rate is in [0, 1]") for c in sorted(spec.rates)),
        *(
            Expect(
                "ExpectColumnValuesToBeBetween",
                {
                    "column": c,
                    "min_value": 0,
                    "max_value": 1,
                    "row_condition": f"{flag}==True",
                    "condition_parser": "pandas",
                },
                f"is_rate where {flag}: a rate is in [0, 1]",
            )
            for c, flag in sorted(spec.conditional_rates.items())
        ),
    ]


def build_suites(
    marts: dict[str, MartSpec],
    numeric: dict[str, list[str]] | None = None,
    reference: dict[str, pd.DataFrame] | None = None,
    dbt_tested: bool = True,
) -> list[Suite]:
    """Every mart's suite (mart_suite), then the cross-mart suites whose marts are all given."""
    extra = reference_rules(reference or {})
    suites = [
        mart_suite(
            spec,
            [*MART_RULES.get(name, []), *extra.get(name, [])],
            (numeric or {}).get(name, []),
            dbt_tested,
        )
        for name, spec in marts.items()
    ]
    for suite in derived_suites():
        if all(s in marts for s in suite.sources):
            suites.append(suite)
    return suites
