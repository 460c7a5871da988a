"""The cross-engine comparison (DuckDB vs Spark tables) treats rows as multisets with a float
tolerance; it needs no Spark for these checks."""

import datetime as dt
import decimal

from abm_warehouse.tooling.cross_engine import compare_rows, compare_tables, disabled_models


def test_equal_rows_in_any_order_with_normalised_types():
    duck = [(dt.date(2026, 1, 1), decimal.Decimal("1.5"), None), (dt.date(2026, 2, 1), 2.0, "a")]
    spark = [("2026-02-01", 2.0 + 1e-12, "a"), ("2026-01-01", 1.5, float("nan"))]
    assert compare_rows(duck, spark) == []


def test_a_different_value_or_row_count_is_reported():
    assert compare_rows([(1, 0.5)], [(1, 0.6)]) != []
    assert compare_rows([(1, 0.5)], [(1, 0.5), (1, 0.5)]) == ["row counts differ: 1 vs 2"]


def test_disabled_models_and_their_reasons_come_from_the_manifest():
    manifest = {
        "disabled": {
            "model.p.fct_account_ltv": [
                {"resource_type": "model", "name": "fct_account_ltv", "language": "python"}
            ],
            "model.p.kpi_cac_monthly": [
                {
                    "resource_type": "model",
                    "name": "kpi_cac_monthly",
                    "language": "sql",
                    "refs": [{"name": "fct_account_ltv"}, {"name": "fct_spend"}],
                }
            ],
            "test.p.some_test": [{"resource_type": "test", "name": "some_test"}],
        }
    }
    reasons = disabled_models(manifest)
    assert set(reasons) == {"fct_account_ltv", "kpi_cac_monthly"}
    assert "Python model" in reasons["fct_account_ltv"]
    assert reasons["kpi_cac_monthly"].startswith("reads fct_account_ltv")


def test_tables_disabled_on_spark_are_skipped_with_the_reason_and_missing_ones_fail():
    duck = {
        "kpi_a": (["m", "v"], [("2026-01-01", 1.0)]),
        "kpi_cac_monthly": (["m"], [("2026-01-01",)]),
        "kpi_b": (["m"], [("2026-01-01",)]),
        "kpi_monthly": (
            ["source_model", "v"],
            [("kpi_a", 1.0), ("kpi_cac_monthly", 2.0)],
        ),
    }
    spark = {"kpi_a": [("2026-01-01", 1.0)], "kpi_monthly": [("kpi_a", 1.0)]}
    lines, failed = compare_tables(duck, spark, {"kpi_cac_monthly": "reads fct_account_ltv"})
    assert failed == 1
    assert "kpi_a: 1 rows, equal" in lines
    assert "kpi_b: MISSING on Spark" in lines
    assert "kpi_cac_monthly: skipped, disabled on Spark: reads fct_account_ltv" in lines
    assert any(line.startswith("kpi_monthly: 1 rows, equal (1 DuckDB rows") for line in lines)
