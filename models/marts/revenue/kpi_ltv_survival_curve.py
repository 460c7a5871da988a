"""Projected (sBG) and observed (Kaplan-Meier) survival per fit group and period (catalog G):
the maths is in abm_warehouse.sbg, the assembly in abm_warehouse.ltv."""

from abm_warehouse import ltv


def model(dbt, session):
    dbt.config(materialized="table")
    periods = {
        "month": int(dbt.config.get("periods_month")),
        "year": int(dbt.config.get("periods_year")),
    }
    return ltv.survival_curves(
        dbt.ref("int_subscription_lifetimes").df(), dbt.ref("kpi_ltv_sbg_fits").df(), periods
    )
