"""Browser test: log in to Superset, open every dashboard, check each chart shows numbers.

Run by `make test-bi` (never by the main `pytest -q`: pyproject's testpaths is pytests/).
Screenshots of the rendered dashboards go to $ABM_BI_SCREENSHOTS (docs/screenshots).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml

BUNDLE = Path(__file__).resolve().parents[1] / "dashboards"
DASHBOARDS = {
    d["slug"]: d
    for d in (yaml.safe_load(p.read_text()) for p in sorted((BUNDLE / "dashboards").glob("*.yaml")))
}
CHART_HOLDER = "[data-test='dashboard-component-chart-holder']"
FAILURE_TEXT = re.compile(
    r"No results|Unexpected error|error occurred|Error:|DB engine Error|Data error|"
    r"not found|Cannot|Traceback",
    re.IGNORECASE,
)
NUMBER = re.compile(r"\d")
TIMEOUT = 120


def test_every_dashboard_is_in_the_bundle() -> None:
    assert set(DASHBOARDS) == {"funnel", "abm", "channels", "revenue-ltv"}


@pytest.fixture(scope="module")
def logged_in(browser, base_url, credentials):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{base_url}/login/")
    wait = WebDriverWait(browser, TIMEOUT)
    user = wait.until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "input#username, input[name='username']"))
    )
    password = browser.find_element(By.CSS_SELECTOR, "input[type='password']")
    user.send_keys(credentials[0])
    password.send_keys(credentials[1])
    password.send_keys(Keys.ENTER)
    wait.until(lambda d: "/login" not in d.current_url)
    return browser


def _chart_state(holder) -> str:
    """'ok', 'loading' or a failure message for one chart holder element."""
    from selenium.webdriver.common.by import By

    text = holder.text or ""
    if holder.find_elements(By.CSS_SELECTOR, ".loading, [data-test='loading-indicator']"):
        return "loading"
    if FAILURE_TEXT.search(text):
        return f"failed: {text[:300]!r}"
    rendered = holder.find_elements(
        By.CSS_SELECTOR, "canvas, svg, table td, .header-line, [data-test='big-number-header']"
    )
    if not rendered:
        return "loading"
    return "ok"


@pytest.mark.parametrize("slug", sorted(DASHBOARDS))
def test_dashboard_renders_numbers(logged_in, api, base_url, screenshot_dir, slug) -> None:
    from selenium.webdriver.common.by import By

    browser = logged_in
    expected = [
        v["meta"]["sliceName"]
        for v in DASHBOARDS[slug]["position"].values()
        if isinstance(v, dict) and v.get("type") == "CHART"
    ]
    # The dashboard as imported: same charts as in the bundle.
    r = api.get(f"{base_url}/api/v1/dashboard/{slug}/charts", timeout=60)
    r.raise_for_status()
    charts = {c["slice_name"]: c["form_data"]["viz_type"] for c in r.json()["result"]}
    assert sorted(charts) == sorted(expected)

    browser.get(f"{base_url}/superset/dashboard/{slug}/")
    deadline = time.monotonic() + TIMEOUT
    states: dict[str, str] = {}
    while time.monotonic() < deadline:
        holders = browser.find_elements(By.CSS_SELECTOR, CHART_HOLDER)
        states = {f"chart {i}": _chart_state(h) for i, h in enumerate(holders)}
        failed = {k: v for k, v in states.items() if v.startswith("failed")}
        assert not failed, f"{slug}: {failed}"
        if len(holders) == len(expected) and all(v == "ok" for v in states.values()):
            break
        time.sleep(1)
    else:
        pytest.fail(f"{slug}: charts did not render in {TIMEOUT}s: {states}")
    time.sleep(2)  # let the ECharts animations finish before the screenshot

    holders = browser.find_elements(By.CSS_SELECTOR, CHART_HOLDER)
    for holder in holders:
        text = holder.text
        tables = holder.find_elements(By.CSS_SELECTOR, "table td")
        bigs = holder.find_elements(By.CSS_SELECTOR, ".header-line")
        if tables or bigs:
            # Big numbers and tables print their values: digits must be there.
            assert NUMBER.search(text), f"{slug}: no number in {text[:300]!r}"
        else:
            # Line charts draw on a canvas: the axis labels must be drawn, i.e. the chart
            # has a non-empty canvas of a real size.
            canvas = holder.find_elements(By.CSS_SELECTOR, "canvas")
            assert canvas and canvas[0].size["height"] > 50, f"{slug}: empty line chart"
    # Full-page screenshot: grow the window to the page's height.
    height = browser.execute_script(
        "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)"
    )
    browser.set_window_size(1600, max(1000, min(int(height) + 100, 3000)))
    time.sleep(2)
    path = screenshot_dir / f"dashboard-{slug}.png"
    browser.save_screenshot(str(path))
    browser.set_window_size(1600, 1400)
    assert path.stat().st_size > 10_000
