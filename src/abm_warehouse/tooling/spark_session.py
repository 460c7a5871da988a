"""The local Spark session the Spark tools share: one core, UTC, no UI, a metastore of its own.

dbt-spark's `session` method reuses the active SparkSession, so a tool that starts this one
first and then runs dbt in the same process sees the same metastore (`spark_dir`).
"""

from __future__ import annotations

from typing import Any


def local_spark_session(spark_dir: str) -> Any:
    """A Hive-enabled local[1] SparkSession with its warehouse and Derby metastore in spark_dir."""
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.enableHiveSupport()
        .config("spark.master", "local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", f"{spark_dir}/warehouse")
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={spark_dir}/metastore_db;create=true",
        )
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={spark_dir}")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark
