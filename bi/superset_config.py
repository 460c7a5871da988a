"""Superset configuration for the ABM warehouse's dashboards (`make bi`, `make test-bi`).

No secret lives here: bi/superset_setup.py generates SUPERSET_SECRET_KEY for each Superset
home and passes it, with the metadata database path, through the environment.
"""

import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
# Superset's own metadata (users, dashboards, charts): a SQLite file in the Superset home.
SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_METADATA_URI"]
TALISMAN_ENABLED = False
# No thumbnails, no alerts/reports, no Celery: nothing runs in the background.
# Render every chart of a dashboard at once (the browser test and screenshots need them all).
FEATURE_FLAGS = {"THUMBNAILS": False, "ALERT_REPORTS": False, "DASHBOARD_VIRTUALIZATION": False}
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
# The warehouse is a local DuckDB file: allow file-based databases to be registered.
PREVENT_UNSAFE_DB_CONNECTIONS = False
ROW_LIMIT = 10000
SUPERSET_WEBSERVER_TIMEOUT = 120
