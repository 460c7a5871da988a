"""Developer tooling around the build, not needed to run the warehouse.

- ``bench`` — the benchmark: builds at given scales, phases, memory, the floor, incremental
  refresh (``abm-warehouse bench``);
- ``cross_engine`` — the kpi_ marts of the DuckDB and Spark builds compared;
- ``spark_session`` — the local Spark session both Spark tools use;
- ``spark_sql_check`` — compile the project on Spark and check its SQL.
"""
