"""Fixtures of the BI browser test: a running Superset (started by `make test-bi`) and Chromium.

`make test-bi` sets up Superset against a warehouse built from the sample, starts it, and runs
this folder with the bi virtualenv's pytest, passing:
  ABM_BI_URL        the server's base URL (http://127.0.0.1:<port>)
  ABM_BI_USER, ABM_BI_PASSWORD   the admin login
  ABM_BI_SCREENSHOTS   where to save the screenshots (docs/screenshots)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import requests

CHROMIUM = os.environ.get("ABM_BI_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ABM_BI_CHROMEDRIVER", "/usr/bin/chromedriver")


@pytest.fixture(scope="session")
def base_url() -> str:
    url = os.environ.get("ABM_BI_URL")
    if not url:
        pytest.fail("ABM_BI_URL is not set: run the BI test with `make test-bi`")
    return url.rstrip("/")


@pytest.fixture(scope="session")
def credentials() -> tuple[str, str]:
    return os.environ.get("ABM_BI_USER", "admin"), os.environ["ABM_BI_PASSWORD"]


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    path = Path(os.environ.get("ABM_BI_SCREENSHOTS", "docs/screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def api(base_url: str, credentials: tuple[str, str]) -> requests.Session:
    """A REST API session authenticated with a JWT from /api/v1/security/login."""
    s = requests.Session()
    r = s.post(
        f"{base_url}/api/v1/security/login",
        json={"username": credentials[0], "password": credentials[1], "provider": "db"},
        timeout=60,
    )
    r.raise_for_status()
    s.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return s


@pytest.fixture(scope="session")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="abm-bi-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1600,1400",
        f"--user-data-dir={profile}",
    ):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()
