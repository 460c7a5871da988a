"""The dataframe layer of the Python models: one code path for DuckDB, Spark and pandas.

The dbt Python models hand their inputs (``dbt.ref(...)``) to :mod:`abm_warehouse.maths.cohorts` and
:mod:`abm_warehouse.maths.ltv` as they come: a DuckDB relation on dbt-duckdb, a PySpark DataFrame on
Spark / Databricks, or a pandas DataFrame (the pytests). :func:`lazy` wraps any of them in a
`narwhals <https://narwhals-dev.github.io/narwhals/>`_ LazyFrame; the row-level work (filters,
joins, group-bys) is written once with narwhals expressions and runs inside the engine; only
the small aggregates the maths needs (counts per group, per-month sums) are brought to pandas
with :func:`to_pandas`, where the maths (sBG fits, survival curves) stays as it is.

Months are carried as an integer key (:func:`month_key`: year × 12 + month - 1) rather than as
truncated dates: every engine computes year and month of a date or timestamp the same way, and
the key subtracts to "months between" and compares without date literals.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import narwhals as nw
import pandas as pd
import pyarrow as pa

# A column of dates in a pandas frame a model returns, typed even when the frame is empty
# (DuckDB reads it as DATE; an empty object column would become type NULL).
DATE_DTYPE = pd.ArrowDtype(pa.date32())


def lazy(native: Any, *, dates: tuple[str, ...] = ()) -> nw.LazyFrame:
    """A narwhals LazyFrame over a DuckDB relation, a PySpark DataFrame or a pandas frame.

    A narwhals frame passes through (eager ones become lazy). In a pandas frame, the ``dates``
    columns given as strings (the pytests use ISO strings) are parsed as ``pd.to_datetime``
    would; the engines' relations carry typed dates already.
    """
    if isinstance(native, nw.LazyFrame):
        return native
    if isinstance(native, nw.DataFrame):
        return native.lazy()
    if isinstance(native, pd.DataFrame):
        return nw.from_native(parse_dates(native, *dates), eager_only=True).lazy()
    return nw.from_native(native).lazy()


def to_pandas(frame: nw.LazyFrame | nw.DataFrame) -> pd.DataFrame:
    """Collect a (small) narwhals frame into a pandas DataFrame with a fresh RangeIndex."""
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect(backend="pandas")
    return frame.to_pandas().reset_index(drop=True)


def parse_dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """pandas input only: dates given as strings become datetimes (other engines type them)."""
    todo = [c for c in columns if c in frame and not pd.api.types.is_datetime64_any_dtype(frame[c])]
    if not todo:
        return frame
    out = frame.copy()
    for column in todo:
        out[column] = pd.to_datetime(out[column])
    return out


def month_key(column: str) -> nw.Expr:
    """Integer month of a date / timestamp column: year × 12 + month - 1."""
    return (
        nw.col(column).dt.year().cast(nw.Int64) * 12 + nw.col(column).dt.month().cast(nw.Int64) - 1
    )


def month_key_of(value: Any) -> int:
    """The :func:`month_key` of a Python / pandas date or an ISO string."""
    ts = pd.Timestamp(value)
    return ts.year * 12 + ts.month - 1


def month_start(key: int) -> date:
    """The first day of the month with :func:`month_key` ``key``."""
    return date(int(key) // 12, int(key) % 12 + 1, 1)


def typed_when_empty(frame: pd.DataFrame) -> pd.DataFrame:
    """A model's result with its text (object) columns typed as strings when it has no rows:
    DuckDB stores an empty object column as type NULL, which BI tools and unit tests cannot
    use. Frames with rows pass through unchanged."""
    if not frame.empty:
        return frame
    text = [c for c in frame.columns if frame[c].dtype == object]
    return frame.astype(dict.fromkeys(text, "string")) if text else frame
