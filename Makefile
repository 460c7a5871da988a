# The two commands of the README:
#   make warehouse   build the warehouse from the committed sample and print a KPI summary
#   make test        run every test (lint, Python tests, strict parse, dbt build + tests, docs)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON      ?= $(shell command -v python3.11 || command -v python3)
VENV        ?= .venv
BIN         := $(VENV)/bin
DBT         := $(BIN)/dbt
# Where `make warehouse` publishes the warehouse (the file BI tools and analysts open).
WAREHOUSE   ?= warehouse/warehouse.duckdb
# Where `make test` builds its throw-away warehouse: always a fresh database.
TEST_WAREHOUSE ?= target/test/warehouse.duckdb
DBT_FLAGS   ?= --profiles-dir . --project-dir .
# --warn-error-options on the command line replaces the project's flags.warn_error_options
# (dbt_project.yml), so it repeats their silence of dbt's OSI-export warnings (MFConverterIssue).
STRICT_PARSE := --warn-error-options \
	'{"error": ["NoNodeForYamlKey", "NodeNotFoundOrDisabled"], "silence": ["MFConverterIssue"]}'
# Publish-guard findings to accept (keys or patterns, src/abm_warehouse/ops/publish_guard.py):
#   make warehouse ACCEPT="'mart_emptied:*'"
ACCEPT ?=
# Own extracts instead of the committed sample: ABM_RAW_EXTRACTS_PATH=/path/to/folder make warehouse
ABM_RAW_EXTRACTS_PATH ?=
export ABM_RAW_EXTRACTS_PATH
# The warehouse's "today" for `make warehouse` (default: the as_of_date var of dbt_project.yml,
# 2026-06-30 for the committed sample): make warehouse AS_OF_DATE=2026-05-31
AS_OF_DATE ?=
# Or a loader's database (abm-warehouse load, dlt): ABM_RAW_DATABASE_PATH=warehouse/landing.duckdb
ABM_RAW_DATABASE_PATH ?=
export ABM_RAW_DATABASE_PATH
SEED_EXCLUDE := $(if $(ABM_RAW_EXTRACTS_PATH)$(ABM_RAW_DATABASE_PATH),--exclude tag:raw_sample,)

.PHONY: help venv warehouse test lint lint-python lint-sql pytest parse dbt-build-test docs lint-project clean sample kpi-reference kpi-coverage
.PHONY: semantic-validate semantic-test

help:
	@echo "make warehouse  - build warehouse/warehouse.duckdb from the committed sample and print a KPI summary"
	@echo "make test       - run every test (ruff, pytest, strict parse, dbt build on a fresh database, sqlfluff, docs)"
	@echo "make sample     - regenerate the committed sample in seeds/raw_sample"
	@echo "make kpi-reference - regenerate docs/kpi_reference.md from docs/kpi_catalog.yml and the manifest"
	@echo "make publish-interface - publish the marts' interface (ops/published/manifest.json) when a release is cut"
	@echo "make clean      - remove build artefacts (keeps .venv)"

# ---------------------------------------------------------------- environment
$(BIN)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==24.3.1"
	$(BIN)/python -m pip install --quiet --only-binary=dbt-core-experimental-parser -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

venv: $(BIN)/.installed

# ---------------------------------------------------------------- the warehouse
# Built into a new file, closed, then renamed over the live one: readers of the live file
# never see a half-built warehouse and never block the build.
warehouse: venv
	@mkdir -p $(dir $(WAREHOUSE))
	@rm -f $(WAREHOUSE).make-build $(WAREHOUSE).make-build.wal
	ABM_WAREHOUSE_PATH=$(WAREHOUSE).make-build $(if $(AS_OF_DATE),ABM_AS_OF_DATE=$(AS_OF_DATE),) \
		$(DBT) build $(DBT_FLAGS) $(SEED_EXCLUDE)
	@test ! -e $(WAREHOUSE).make-build.wal || { echo "warehouse build left a WAL file" >&2; exit 1; }
	$(BIN)/abm-warehouse guard --candidate $(WAREHOUSE).make-build --live $(WAREHOUSE) \
		$(if $(ACCEPT),--accept $(ACCEPT),)
	mv -f $(WAREHOUSE).make-build $(WAREHOUSE)
	$(BIN)/abm-warehouse summary --warehouse $(WAREHOUSE)

sample: venv
	$(BIN)/abm-warehouse generate --out seeds/raw_sample --scale 1 --seed 42
	$(BIN)/abm-warehouse contract --write

# ---------------------------------------------------------------- tests
# Two lanes side by side on the machine's cores: the Python lane (ruff, pytest; the tests that
# run dbt use their own databases and target paths) and the dbt lane (strict parse, KPI
# coverage, the test warehouse and every check on it, in order). Each lane's output is printed
# when it ends. `make test-python-lane` / `make test-dbt-lane` run one of them.
PYTHON_LANE := lint-python pytest
DBT_LANE    := parse interface-check kpi-coverage dbt-build-test lint-sql docs lint-project gx semantic-test \
	bench-floor-test
.PHONY: test-python-lane test-dbt-lane

test: venv
	$(MAKE) --no-print-directory -j2 --output-sync=target test-python-lane test-dbt-lane
	@echo "make test: all checks passed"

test-python-lane: venv
	@for step in $(PYTHON_LANE); do $(MAKE) --no-print-directory $$step; done

test-dbt-lane: venv
	@for step in $(DBT_LANE); do $(MAKE) --no-print-directory $$step; done

lint: lint-python lint-sql

lint-python: venv
	$(BIN)/ruff check src pytests
	$(BIN)/ruff format --check src pytests

pytest: venv
	$(BIN)/pytest -q --durations=12

parse: venv
	$(DBT) parse $(DBT_FLAGS) $(STRICT_PARSE)

# The marts' public interface (docs/interface.md): no unversioned breaking change of a public
# mart against the last release's ops/published/manifest.json (dbt's state:modified.contract on
# the partial parse of `make parse`: seconds).
.PHONY: interface-check publish-interface
interface-check: venv
	$(BIN)/abm-warehouse interface check --target target

# When a release is cut: the public models of the project become the published interface.
publish-interface: parse
	$(BIN)/abm-warehouse interface publish --target target

# Every KPI of docs/kpi_catalog.yml is a documented mart column with a test, and
# docs/kpi_reference.md is what the YAML says (regenerate with `make kpi-reference`).
kpi-coverage: parse
	$(BIN)/abm-warehouse kpi-reference --check

kpi-reference: parse
	$(BIN)/abm-warehouse kpi-reference

# A fresh database every time: seeds, every model, every data and unit test. Then no warning:
# a clean build of the committed sample has none (expected dirty rows have documented
# thresholds), so check-warnings fails on any `warn` in its run_results.json and on any other
# dbt warning in its JSON log (docs/data_quality.md, "Expected flags and orphans"). Then the
# committed column lineage (raw contract columns -> kpi_ marts) must match the compiled SQL of
# this build's manifest (a few seconds; `abm-warehouse lineage --write` regenerates it).
TEST_LOG_PATH := $(dir $(TEST_WAREHOUSE))logs
dbt-build-test: venv
	@mkdir -p $(dir $(TEST_WAREHOUSE))
	@rm -f $(TEST_WAREHOUSE) $(TEST_WAREHOUSE).wal $(TEST_LOG_PATH)/dbt.log
	ABM_WAREHOUSE_PATH=$(TEST_WAREHOUSE) $(DBT) build $(DBT_FLAGS) $(STRICT_PARSE) \
		--log-path $(TEST_LOG_PATH) --log-format-file json
	$(BIN)/abm-warehouse check-warnings --log $(TEST_LOG_PATH)/dbt.log
	$(BIN)/abm-warehouse lineage --check --manifest target/manifest.json

# The MetricFlow semantic layer (models/semantic) on the test warehouse built above: configs
# valid, `mf query` answers, and every metric equals its kpi_ mart column (pytests/test_semantic_layer.py).
semantic-validate: venv
	ABM_WAREHOUSE_PATH=$(TEST_WAREHOUSE) $(BIN)/mf validate-configs --skip-dw

semantic-test: venv semantic-validate
	ABM_WAREHOUSE_PATH=$(TEST_WAREHOUSE) ABM_SEMANTIC_TEST_WAREHOUSE=$(TEST_WAREHOUSE) \
		$(BIN)/pytest -q -p no:logging pytests/test_semantic_layer.py

# The benchmark's floor (benchmarks/floor.sql, straight from the raw files) equals the kpi_
# marts of the test warehouse built above (pytests/test_bench.py).
bench-floor-test: venv
	ABM_BENCH_TEST_WAREHOUSE=$(TEST_WAREHOUSE) $(BIN)/pytest -q -p no:logging pytests/test_bench.py

# The dbt templater compiles models against the test warehouse built above.
lint-sql: venv
	ABM_WAREHOUSE_PATH=$(TEST_WAREHOUSE) $(BIN)/sqlfluff lint models analyses tests --processes 2

docs: venv
	ABM_WAREHOUSE_PATH=$(TEST_WAREHOUSE) $(DBT) docs generate $(DBT_FLAGS) --static

# Structure rules (descriptions with grain, primary-key tests, layer names, one YAML per
# model, documented mart columns) on the manifest and catalog written by `docs`.
lint-project: venv
	$(BIN)/abm-warehouse lint-project --target target

# Great Expectations suites of every mart on the test warehouse (src/abm_warehouse/quality/gx_checks/,
# docs/data_quality.md); Data Docs in target/gx_docs. Needs the manifest of the dbt steps above.
.PHONY: gx
gx: venv
	$(BIN)/abm-warehouse gx --warehouse $(TEST_WAREHOUSE) --manifest target/manifest.json \
		--docs target/gx_docs --require-all

clean:
	rm -rf target logs dbt_packages warehouse/*.make-build

# ---------------------------------------------------------------- scheduled refresh
# Build a copy of $(WAREHOUSE), test it, publish it atomically under a lock; exit 75 when a
# refresh already runs. Flags: REFRESH_FLAGS="--fail-on-stale --keep 5" (docs/operations.md).
.PHONY: refresh rollback
REFRESH_FLAGS ?=
refresh: venv
	$(BIN)/abm-warehouse refresh --warehouse $(WAREHOUSE) $(REFRESH_FLAGS)

# Put the previous generation back as $(WAREHOUSE) (or TO=<generation id>).
rollback: venv
	$(BIN)/abm-warehouse refresh --rollback --warehouse $(WAREHOUSE) $(if $(TO),--to $(TO),)

# ---------------------------------------------------------------- optional: Dagster
# The Dagster code location (orchestration/definitions.py) in its own virtualenv: the
# project's pinned set plus requirements-dagster.txt. See docs/operations.md.
.PHONY: venv-dagster test-dagster
DAGSTER_VENV ?= .venv-dagster
DAGSTER_BIN  := $(DAGSTER_VENV)/bin
DAGSTER_TARGET ?= target/dagster

$(DAGSTER_BIN)/.installed: requirements.txt requirements-dagster.txt pyproject.toml
	test -x $(DAGSTER_BIN)/python || $(PYTHON) -m venv $(DAGSTER_VENV)
	$(DAGSTER_BIN)/python -m pip install --quiet --upgrade "pip==24.3.1"
	$(DAGSTER_BIN)/python -m pip install --quiet --only-binary=dbt-core-experimental-parser -r requirements.txt -r requirements-dagster.txt
	$(DAGSTER_BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

venv-dagster: $(DAGSTER_BIN)/.installed

# Lint, write the manifest, `dagster definitions validate`, then orchestration/tests: the
# assets match the manifest, the schedule runs the refresh job, and one materialisation of
# the sample publishes a warehouse in a temporary directory through the refresh. Last, the
# schedule's job from the `dagster` CLI, with a stand-in build (the real one ran above).
DAGSTER_CLI_WAREHOUSE := $(CURDIR)/target/dagster-cli/warehouse.duckdb
test-dagster: venv-dagster
	$(DAGSTER_BIN)/ruff check orchestration
	$(DAGSTER_BIN)/ruff format --check orchestration
	$(DAGSTER_BIN)/dbt parse $(DBT_FLAGS) --target-path $(DAGSTER_TARGET) --quiet
	env -u DAGSTER_HOME ABM_DAGSTER_TARGET=$(DAGSTER_TARGET) $(DAGSTER_BIN)/dagster definitions validate -f orchestration/definitions.py
	ABM_DAGSTER_TARGET=$(DAGSTER_TARGET) $(DAGSTER_BIN)/pytest -q -p no:cacheprovider orchestration/tests
	rm -rf $(dir $(DAGSTER_CLI_WAREHOUSE)) && mkdir -p $(dir $(DAGSTER_CLI_WAREHOUSE))
	env -u DAGSTER_HOME ABM_DAGSTER_TARGET=$(DAGSTER_TARGET) ABM_LIVE_WAREHOUSE=$(DAGSTER_CLI_WAREHOUSE) \
	  ABM_REFRESH_FLAGS="--skip-freshness --build-command '$(CURDIR)/$(DAGSTER_BIN)/python orchestration/tests/stand_in_build.py'" \
	  $(DAGSTER_BIN)/dagster job execute -f orchestration/definitions.py -j warehouse_refresh > target/dagster-cli/job.log 2>&1 \
	  || { tail -50 target/dagster-cli/job.log; exit 1; }
	$(DAGSTER_BIN)/python -c "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); \
	  assert c.execute('select status from ops.refresh_runs').fetchall() == [('success',)]" $(DAGSTER_CLI_WAREHOUSE)
	@echo "make test-dagster: all checks passed"

# ---------------------------------------------------------------- BI: Superset dashboards
# Superset lives in its own pinned virtualenv (bi/requirements-bi.txt, same duckdb as the
# build). `make bi` serves the dashboards of bi/dashboards on $(WAREHOUSE), read-only, at
# http://localhost:$(BI_PORT)/ (user admin; password in $(BI_HOME)/admin-password or
# $SUPERSET_ADMIN_PASSWORD). docs/serving.md has the details.
.PHONY: bi bi-venv bi-setup test-bi chromium
VENV_BI     ?= .venv-bi
BI_BIN      := $(VENV_BI)/bin
BI_HOME     ?= $(dir $(WAREHOUSE)).superset
BI_PORT     ?= 8088
# test-bi: an existing warehouse built from the sample (e.g. make test's), else it builds one.
BI_TEST_WAREHOUSE ?=

$(BI_BIN)/.installed: bi/requirements-bi.txt
	test -x $(BI_BIN)/python || $(PYTHON) -m venv $(VENV_BI)
	$(BI_BIN)/python -m pip install --quiet --upgrade "pip==24.3.1"
	$(BI_BIN)/python -m pip install --quiet --no-deps -r bi/requirements-bi.txt
	$(BI_BIN)/python -m pip check
	touch $@

bi-venv: $(BI_BIN)/.installed

bi-setup: bi-venv
	test -e $(WAREHOUSE) || $(MAKE) warehouse
	$(BI_BIN)/python bi/superset_setup.py setup --home $(BI_HOME) --warehouse $(WAREHOUSE)

bi: bi-setup
	$(BI_BIN)/python bi/superset_setup.py serve --home $(BI_HOME) --port $(BI_PORT)

# Headless Chromium and its driver from Debian (installed only when missing).
chromium:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; else \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && \
	  $$SUDO apt-get -y -q install --no-install-recommends chromium chromium-driver; fi

test-bi: venv bi-venv chromium
	BI_TEST_WAREHOUSE=$(BI_TEST_WAREHOUSE) bash bi/test-bi.sh

# ---------------------------------------------------------------- Spark (issue 11)
# The same project on Apache Spark: dbt-spark's `session` method runs a local Spark (Java 17)
# in the dbt process. Own virtualenv: the project's pinned set plus requirements-spark.txt.
# `make test-spark` builds seeds, every SQL model and every data and unit test in a fresh
# local metastore (SPARK_DIR), then the Python models' functions on a local PySpark DataFrame
# (pytests/test_frames_engines.py). The models themselves are disabled on Spark (dbt-spark runs
# Python models only on Databricks). Status and remaining work: docs/spark_status.md.
.PHONY: venv-spark test-spark spark-sql-check
SPARK_VENV ?= .venv-spark
SPARK_BIN  := $(SPARK_VENV)/bin
SPARK_DIR  ?= target/spark
SPARK_TARGET_PATH ?= target/spark-dbt

$(SPARK_BIN)/.installed: requirements.txt requirements-spark.txt pyproject.toml
	test -x $(SPARK_BIN)/python || $(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_BIN)/python -m pip install --quiet --upgrade "pip==24.3.1"
	$(SPARK_BIN)/python -m pip install --quiet --only-binary=dbt-core-experimental-parser -r requirements.txt -r requirements-spark.txt
	$(SPARK_BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(SPARK_BIN)/python -m pip check
	touch $@

venv-spark: $(SPARK_BIN)/.installed

test-spark: venv-spark
	@command -v java >/dev/null || { echo "test-spark needs Java 17 (apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
	rm -rf $(SPARK_DIR) && mkdir -p $(SPARK_DIR)
	@echo "test-spark: Python models are disabled on the spark target (dbt-spark runs Python models only on Databricks)"
	start=$$SECONDS; rc=0; \
	ABM_TARGET=spark ABM_SPARK_DIR=$(abspath $(SPARK_DIR)) SPARK_LOCAL_IP=127.0.0.1 \
	ABM_SPARK_SHUFFLE_PARTITIONS=$${ABM_SPARK_SHUFFLE_PARTITIONS:-1} \
		$(SPARK_BIN)/dbt build $(DBT_FLAGS) \
		--target-path $(SPARK_TARGET_PATH) --log-path $(SPARK_TARGET_PATH)/logs $(STRICT_PARSE) || rc=$$?; \
	echo "test-spark: dbt build on Spark took $$((SECONDS - start)) s (exit $$rc)"; \
	exit $$rc
	@echo "test-spark: the Python models' data work on a local PySpark DataFrame = DuckDB = pandas"
	SPARK_LOCAL_IP=127.0.0.1 $(SPARK_BIN)/pytest -q -p no:cacheprovider pytests/test_frames_engines.py

# Compile every model and test on the spark target and give the SQL to Spark's parser and
# function registry (empty raw tables, nothing is built): a quick check for DuckDB-only SQL.
spark-sql-check: venv-spark
	rm -rf target/spark-sql-check && mkdir -p target/spark-sql-check
	ABM_TARGET=spark ABM_SPARK_DIR=$(abspath target/spark-sql-check) SPARK_LOCAL_IP=127.0.0.1 \
		$(SPARK_BIN)/python -m abm_warehouse.tooling.spark_sql_check

# The KPI marts of both engines compared (abm_warehouse.tooling.cross_engine): every marts.kpi_* table of
# the Spark metastore left by `make test-spark` against TEST_WAREHOUSE left by
# `make dbt-build-test` (or `make test`); same rows, floats within 1e-9. Tables disabled on
# Spark are listed as skipped with the reason. Does not rebuild either side.
.PHONY: test-cross-engine
test-cross-engine: venv-spark
	@test -f $(TEST_WAREHOUSE) || { echo "test-cross-engine: no $(TEST_WAREHOUSE): run make dbt-build-test first" >&2; exit 1; }
	@test -f $(SPARK_TARGET_PATH)/manifest.json && test -d $(SPARK_DIR)/metastore_db || { echo "test-cross-engine: no Spark build in $(SPARK_DIR): run make test-spark first" >&2; exit 1; }
	SPARK_LOCAL_IP=127.0.0.1 $(SPARK_BIN)/python -m abm_warehouse.tooling.cross_engine \
		--duckdb $(TEST_WAREHOUSE) --spark-dir $(abspath $(SPARK_DIR)) \
		--spark-manifest $(SPARK_TARGET_PATH)/manifest.json

# ---------------------------------------------------------------- benchmark (issue 10)
# Not part of `make test`: generates data at each scale (Parquet), builds the warehouse from it,
# times the phases, peak memory, the floor (benchmarks/floor.sql) and a one-more-day refresh,
# and writes benchmarks/results.json and benchmarks/report.md. Data and builds: target/bench.
#   make bench BENCH_SCALES="1 4" BENCH_FLAGS="--event-multiplier 14 --memory-limit 4GB"
.PHONY: bench
BENCH_SCALES ?= 1 4
BENCH_FLAGS ?=
bench: venv
	$(BIN)/abm-warehouse bench --scales $(BENCH_SCALES) --work target/bench --out benchmarks $(BENCH_FLAGS)
