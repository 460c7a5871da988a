"""Historical and predicted LTV per account (catalog G): ltv_predicted = ARPA × gross margin ×
DERL from the account's sBG fit group (abm_warehouse.maths.ltv / abm_warehouse.maths.sbg); the relations
are read through narwhals (src/abm_warehouse/maths/frames.py)."""

from abm_warehouse.maths import ltv


def model(dbt, session):
    dbt.config(materialized="table")
    return ltv.account_ltv(
        lifetimes=dbt.ref("int_subscription_lifetimes"),
        revenue=dbt.ref("int_account_revenue_history"),
        fits=dbt.ref("kpi_ltv_sbg_fits"),
        gross_margin=float(dbt.config.get("gross_margin")),
    )
