"""Cohort retention (catalog section G): thin wrapper around abm_warehouse.maths.cohorts.

Cohort = month of the account's first MRR > 0 (first paid subscription month); the maths and
its tests live in the package (src/abm_warehouse/maths/cohorts.py, pytests/test_cohorts.py). The
relation is handed over as is: the account-month work runs in the engine (narwhals,
src/abm_warehouse/maths/frames.py), only per-cohort aggregates reach pandas.
"""

from abm_warehouse.maths.cohorts import cohort_retention


def model(dbt, session):
    dbt.config(materialized="table")
    # the build's as-of date (int_as_of: ABM_AS_OF_DATE or the var, read when the model runs)
    as_of_date = dbt.ref("int_as_of").limit(1).fetchall()[0][0]
    return cohort_retention(dbt.ref("fct_mrr_movements"), as_of_date, mrr_column="ending_mrr")
