"""The cross-engine comparison (DuckDB vs Spark tables) treats rows as multisets with a float
tolerance; it needs no Spark for these checks."""

import datetime as dt
import decimal

from abm_warehouse.cross_engine import compare_rows


def test_equal_rows_in_any_order_with_normalised_types():
    duck = [(dt.date(2026, 1, 1), decimal.Decimal("1.5"), None), (dt.date(2026, 2, 1), 2.0, "a")]
    spark = [("2026-02-01", 2.0 + 1e-12, "a"), ("2026-01-01", 1.5, float("nan"))]
    assert compare_rows(duck, spark) == []


def test_a_different_value_or_row_count_is_reported():
    assert compare_rows([(1, 0.5)], [(1, 0.6)]) != []
    assert compare_rows([(1, 0.5)], [(1, 0.5), (1, 0.5)]) == ["row counts differ: 1 vs 2"]
