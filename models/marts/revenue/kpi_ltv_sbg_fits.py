"""sBG fits per billing interval and segment (catalog G, ltv_predicted): the maths is in
abm_warehouse.maths.sbg, this model only groups the lifetimes of int_subscription_lifetimes (counted
in the engine through narwhals, src/abm_warehouse/maths/frames.py)."""

import pandas as pd

from abm_warehouse.maths import ltv


def model(dbt, session):
    dbt.config(materialized="table")
    lifetimes = dbt.ref("int_subscription_lifetimes")
    fits = ltv.fit_groups(
        lifetimes,
        min_sample_size=int(dbt.config.get("sbg_min_sample_size")),
        annual_discount_rate=float(dbt.config.get("annual_discount_rate")),
    )
    # the build's as-of date (int_as_of: ABM_AS_OF_DATE or the var, read when the model runs)
    as_of_date = dbt.ref("int_as_of").limit(1).fetchall()[0][0]
    fits.insert(0, "as_of_date", pd.Timestamp(as_of_date).date())
    return fits
