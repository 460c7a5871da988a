"""Checks of the data and of the project itself.

- ``gx_checks`` — the Great Expectations suites of the marts and their Data Docs
  (``abm-warehouse gx``);
- ``project_lint`` — the dbt project's structure rules (``abm-warehouse lint-project``);
- ``kpi_reference`` — the KPI reference generated from the catalog, coverage and drift
  (``abm-warehouse kpi-reference``);
- ``build_warnings`` — fail on a dbt build that ended with warnings (``check-warnings``);
- ``column_lineage`` — raw contract columns → kpi_ mart columns, kept in
  ``column_lineage.json`` (``abm-warehouse lineage``);
- ``mart_interface`` — the marts' public interface and its breaking-change check
  (``abm-warehouse interface``).
"""
