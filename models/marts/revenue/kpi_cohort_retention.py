"""Cohort retention (catalog section G): thin wrapper around abm_warehouse.cohorts.

Cohort = month of the account's first MRR > 0 (first paid subscription month); the maths and
its tests live in the package (src/abm_warehouse/cohorts.py, pytests/test_cohorts.py).
"""

from abm_warehouse.cohorts import cohort_retention


def model(dbt, session):
    dbt.config(materialized="table")
    as_of_date = dbt.config.get("meta")["as_of_date"]
    account_months = dbt.ref("fct_mrr_movements").df()
    return cohort_retention(account_months, as_of_date, mrr_column="ending_mrr")
