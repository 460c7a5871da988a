"""Derived suites on computed frames (`derived_suites`): attribution weights sum to 1, month
grids are complete, 'all' rows equal ABM + non-ABM."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from abm_warehouse.quality.gx_checks.suites import (
    ATTRIBUTION_MODELS,
    MONEY_TOLERANCE,
    RATE_TOLERANCE,
    SEGMENTS,
    WEIGHT_TOLERANCE,
    Expect,
    Suite,
    between,
    pair_equal,
    unique_grain,
)

if TYPE_CHECKING:  # pandas and GX load only when a suite runs: a no-op check stays light
    import pandas as pd


def attribution_weight_sums(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per opportunity x attribution model: the sum of its weights."""
    attribution = frames["fct_attribution"]
    return (
        attribution.groupby(["opportunity_id", "attribution_model"], dropna=False)[
            "attribution_weight"
        ]
        .sum()
        .rename("weight_sum")
        .reset_index()
    )


def month_grid(
    mart: str, month: str, dimensions: tuple[str, ...]
) -> Callable[[dict[str, pd.DataFrame]], pd.DataFrame]:
    """One row: rows, distinct months, months spanned, rows of a full months x dims grid."""

    def derive(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
        import pandas as pd

        frame = frames[mart]
        months = pd.to_datetime(frame[month]).dropna()
        span = 0
        if len(months):
            lo, hi = months.min(), months.max()
            step = 3 if month == "metric_quarter" else 1
            span = ((hi.year - lo.year) * 12 + hi.month - lo.month) // step + 1
        grid = months.nunique()
        for dim in dimensions:
            grid *= frame[dim].nunique(dropna=False)
        return pd.DataFrame(
            {
                "rows": [len(frame)],
                "months": [months.nunique()],
                "months_spanned": [span],
                "grid_rows": [grid],
            }
        )

    return derive


def same_months(marts: tuple[str, ...], month: str = "metric_month"):
    """One row per mart: its distinct months, and those of the first (the int_months grid)."""

    def derive(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
        import pandas as pd

        reference = set(pd.to_datetime(frames[marts[0]][month]).dropna())
        rows = []
        for mart in marts:
            own = set(pd.to_datetime(frames[mart][month]).dropna())
            rows.append(
                {
                    "mart": mart,
                    "months": len(own),
                    "reference_months": len(reference),
                    "months_not_in_reference": len(own - reference),
                    "reference_months_missing": len(reference - own),
                }
            )
        return pd.DataFrame(rows)

    return derive


def segments_add_up(mart: str, keys: tuple[str, ...], columns: tuple[str, ...]):
    """One row per key: for each column, 'all' minus (ABM + non-ABM), as `<column>_gap`."""

    def derive(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
        frame = frames[mart]
        parts = frame[frame["segment"].isin(SEGMENTS)]
        summed = parts.groupby(list(keys), dropna=False)[list(columns)].sum()
        total = (
            frame[frame["segment"] == "all"].groupby(list(keys), dropna=False)[list(columns)].sum()
        )
        total, summed = total.align(summed, fill_value=0)
        return (total - summed).add_suffix("_gap").reset_index()

    return derive


def _adds_up(mart: str, columns: tuple[str, ...], keys: tuple[str, ...] = ("metric_month",)):
    return Suite(
        f"{mart}__segments_add_up",
        (mart,),
        [
            between(f"{c}_gap", -MONEY_TOLERANCE, MONEY_TOLERANCE, "'all' = ABM + non-ABM")
            for c in columns
        ],
        derive=segments_add_up(mart, keys, columns),
        description=f"Additive columns of {mart}: the 'all' row is the sum of the segments.",
    )


def all_within_segments(mart: str, keys: tuple[str, ...], rates: tuple[str, ...]):
    """One row per key: per rate, 1 when the 'all' rate lies outside [min, max] of the segments'.

    The 'all' rate is the segments' rates weighted by their denominators, so it lies between
    them whenever the segments partition 'all' (checked by the __segments_add_up suites).
    """

    def derive(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
        frame = frames[mart]
        parts = frame[frame["segment"].isin(SEGMENTS)].groupby(list(keys))[list(rates)]
        low, high = parts.min(), parts.max()
        total = frame[frame["segment"] == "all"].set_index(list(keys))[list(rates)]
        outside = (total < low - RATE_TOLERANCE) | (total > high + RATE_TOLERANCE)
        return outside.astype(int).add_suffix("_outside_segments").reset_index()

    return derive


def _grid_suite(mart: str, dims: tuple[str, ...], month: str = "metric_month") -> Suite:
    shape = f"{month} x {' x '.join(dims)}" if dims else month
    return Suite(
        f"{mart}__grid",
        (mart,),
        [
            pair_equal("rows", "grid_rows", f"one row per {shape}: the full grid"),
            pair_equal("months", "months_spanned", "no month missing between the first and last"),
            between("months", 1, None, "at least one month"),
        ],
        derive=month_grid(mart, month, dims),
        description=f"Row count of {mart} = distinct {month} x distinct {', '.join(dims) or '-'}.",
    )


def _within_segments(mart: str, rates: tuple[str, ...]) -> Suite:
    return Suite(
        f"{mart}__all_between_segments",
        (mart,),
        [
            between(f"{r}_outside_segments", 0, 0, "the 'all' rate lies between ABM and non-ABM")
            for r in rates
        ],
        derive=all_within_segments(mart, ("metric_month",), rates),
        description=f"Rates of {mart}: 'all' is a weighted mean of the segments' rates.",
    )


def derived_suites() -> list[Suite]:
    month_grid_marts = (
        "kpi_web_monthly",  # first: one row per month of int_months
        "kpi_sales_monthly",
        "kpi_funnel_monthly",
        "kpi_revenue_retention_monthly",
        "kpi_web_channels_monthly",
        "kpi_cac_monthly",
        "kpi_marketing_roi_monthly",
    )
    return [
        Suite(
            "fct_attribution__weights_sum_to_one",
            ("fct_attribution",),
            [
                between(
                    "weight_sum",
                    1 - WEIGHT_TOLERANCE,
                    1 + WEIGHT_TOLERANCE,
                    "every model distributes exactly one opportunity",
                ),
                unique_grain(["opportunity_id", "attribution_model"]),
            ],
            derive=attribution_weight_sums,
            description="Attribution weights per opportunity x model sum to 1 (catalog F).",
        ),
        Suite(
            "fct_attribution__models_per_opportunity",
            ("fct_attribution",),
            [
                Expect(
                    "ExpectColumnDistinctValuesToEqualSet",
                    {"column": "attribution_model", "value_set": list(ATTRIBUTION_MODELS)},
                    "every model is computed",
                ),
            ],
            derive=attribution_weight_sums,
        ),
        _grid_suite("kpi_sales_monthly", ("segment",)),
        _grid_suite("kpi_funnel_monthly", ("segment",)),
        _grid_suite("kpi_revenue_retention_monthly", ("segment",)),
        _grid_suite("kpi_web_monthly", ()),
        _grid_suite("kpi_web_channels_monthly", ("channel",)),
        _grid_suite("kpi_cac_monthly", ()),
        _grid_suite("kpi_marketing_roi_monthly", ("attribution_model", "cost_channel")),
        _grid_suite("kpi_nps_quarterly", ("segment",), month="metric_quarter"),
        Suite(
            "kpi_month_grids__same_months",
            month_grid_marts,
            [
                between("months_not_in_reference", 0, 0, "only reporting months (int_months)"),
                between("reference_months_missing", 0, 0, "every reporting month is present"),
            ],
            derive=same_months(month_grid_marts),
            description="Every month-grid KPI mart covers exactly the months of int_months.",
        ),
        _adds_up(
            "kpi_sales_monthly",
            ("pipeline_created_count", "won_deals", "lost_deals", "won_amount", "lost_amount"),
        ),
        _adds_up("kpi_funnel_monthly", ("new_leads", "new_mqls", "new_sqls")),
        _within_segments("kpi_sales_monthly", ("win_rate", "win_rate_by_amount")),
        _within_segments(
            "kpi_revenue_retention_monthly",
            ("customer_retention_rate", "gross_revenue_retention", "net_revenue_retention"),
        ),
        _adds_up(
            "kpi_revenue_retention_monthly",
            ("customers_start", "customers_end", "starting_mrr", "ending_mrr", "new_mrr"),
        ),
    ]
