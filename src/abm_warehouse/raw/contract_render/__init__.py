"""Render the dbt files that follow from the raw contract, and check they have not drifted.

From ``abm_warehouse.raw.contract`` this writes, per raw table:

* ``models/staging/<system>/_<system>__sources.yml`` — the source, its columns with
  ``meta.contract_type`` / ``meta.required`` / ``meta.accepted_values`` and ``meta.needed_by``
  (the ``kpi_`` marts that depend on the column, from ``column_lineage.json``), freshness;
* ``models/staging/<system>/base/base_<system>__<entities>.sql|yml`` — every raw row, with its
  outcome (staged / quarantined / superseded) and reason;
* ``models/staging/<system>/stg_<system>__<entities>.sql|yml`` — the clean rows, typed and
  renamed to the project's conventions;
* ``models/staging/<system>/quarantine/quarantine_<system>__<entities>.sql|yml`` — the rows
  that could not be staged, raw values and reason;
* ``seeds/raw_sample/_raw_sample__seeds.yml`` — every raw sample column loads as text.

``abm-warehouse contract --write`` writes them; ``--check`` (run by the tests) fails when a
committed file differs from a fresh render, so the contract, the sources and the staging
layer cannot drift apart.
"""

# The package, one module per section: names (headers, model and column names, flags), yml
# (sources, seeds, base and quarantine YAML), expectations (expected flags and orphans, stg_
# YAML, versioned tables), sql (the models' SQL), files (render all, check, write, the CLI).

from abm_warehouse.raw.contract_render.expectations import (
    FLAG_DEFECTS,
    flag_expectation,
    orphan_expectation,
)
from abm_warehouse.raw.contract_render.files import add_arguments, check, render_all, run, write
from abm_warehouse.raw.contract_render.names import entity_plural, model_names, staged_name
from abm_warehouse.raw.contract_render.yml import FOREIGN_KEYS

__all__ = [
    "FLAG_DEFECTS",
    "FOREIGN_KEYS",
    "add_arguments",
    "check",
    "entity_plural",
    "flag_expectation",
    "model_names",
    "orphan_expectation",
    "render_all",
    "run",
    "staged_name",
    "write",
]
