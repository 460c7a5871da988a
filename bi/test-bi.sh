#!/usr/bin/env bash
# `make test-bi`: Superset in a throw-away home against a warehouse built from the committed
# sample, started in the background on a free port; the browser test (bi/tests, headless
# Chromium via Selenium) logs in, opens every dashboard, checks the charts and saves
# screenshots to docs/screenshots; then Superset is stopped and the temp dir removed.
#
#   BI_TEST_WAREHOUSE=path   use this warehouse (e.g. make test's target/test/warehouse.duckdb)
#                            instead of building one from the sample
#   BI_SCREENSHOTS=dir       where the screenshots go (default docs/screenshots)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BI_PY=${BI_PY:-$ROOT/.venv-bi/bin/python}
DBT=${DBT:-$ROOT/.venv/bin/dbt}
SCREENSHOTS=${BI_SCREENSHOTS:-$ROOT/docs/screenshots}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/abm-test-bi.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 20); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
        kill -9 "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

warehouse=$tmp/warehouse.duckdb
if [ -n "${BI_TEST_WAREHOUSE:-}" ]; then
    echo "== test-bi: warehouse $BI_TEST_WAREHOUSE"
    test ! -e "$BI_TEST_WAREHOUSE.wal" || { echo "$BI_TEST_WAREHOUSE has a WAL: still open?" >&2; exit 1; }
    cp "$BI_TEST_WAREHOUSE" "$warehouse"
else
    echo "== test-bi: building a warehouse from the sample (the marts the dashboards read)"
    ABM_WAREHOUSE_PATH=$warehouse "$DBT" build --profiles-dir . --project-dir . \
        --target-path "$tmp/target" --log-path "$tmp/logs" --select "+exposure:*" \
        --resource-type seed --resource-type model --quiet
fi

export SUPERSET_ADMIN_PASSWORD
SUPERSET_ADMIN_PASSWORD=$("$BI_PY" -c 'import secrets; print(secrets.token_urlsafe(12))')
echo "== test-bi: Superset setup in $tmp/superset"
"$BI_PY" bi/superset_setup.py setup --home "$tmp/superset" --warehouse "$warehouse"

port=$("$BI_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "== test-bi: starting Superset on 127.0.0.1:$port"
"$BI_PY" bi/superset_setup.py serve --home "$tmp/superset" --port "$port" \
    >"$tmp/superset.log" 2>&1 &
server_pid=$!
for i in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null || [ "$i" = 120 ]; then
        echo "Superset did not start:" >&2; tail -50 "$tmp/superset.log" >&2; exit 1
    fi
    sleep 1
done

echo "== test-bi: browser test"
status=0
ABM_BI_URL="http://127.0.0.1:$port" ABM_BI_USER=admin ABM_BI_PASSWORD=$SUPERSET_ADMIN_PASSWORD \
    ABM_BI_SCREENSHOTS=$SCREENSHOTS \
    "$BI_PY" -m pytest -q -p no:cacheprovider --rootdir bi/tests bi/tests || status=$?
if [ "$status" != 0 ]; then
    echo "== test-bi: FAILED; last lines of the Superset log:" >&2
    tail -80 "$tmp/superset.log" >&2
    exit "$status"
fi
# The warehouse was opened read-only by every query: no WAL appeared.
test ! -e "$warehouse.wal" || { echo "Superset left a WAL: it opened the warehouse read-write" >&2; exit 1; }
echo "make test-bi: all checks passed (screenshots in $SCREENSHOTS)"
