"""The maths behind the dbt Python models (``models/marts/revenue/*.py``), tested by pytest.

- ``sbg`` — the shifted-beta-geometric retention model (fit, survival, DERL);
- ``ltv`` — LTV fit groups, account LTV and survival curves on top of ``sbg``;
- ``cohorts`` — cohort retention;
- ``frames`` — the engine-agnostic (narwhals) reading of the models' inputs.

The dbt models stay thin ``model(dbt, session)`` functions that call these modules.
"""
