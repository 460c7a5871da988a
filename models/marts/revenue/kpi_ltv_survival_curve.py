"""Projected (sBG) and observed (Kaplan-Meier) survival per fit group and period (catalog G):
the maths is in abm_warehouse.maths.sbg, the assembly in abm_warehouse.maths.ltv (lifetimes counted per group
in the engine through narwhals, src/abm_warehouse/maths/frames.py)."""

from abm_warehouse.maths import ltv


def model(dbt, session):
    dbt.config(materialized="table")
    periods = {
        "month": int(dbt.config.get("periods_month")),
        "year": int(dbt.config.get("periods_year")),
    }
    return ltv.survival_curves(
        dbt.ref("int_subscription_lifetimes"), dbt.ref("kpi_ltv_sbg_fits"), periods
    )
