"""Shared fixtures: the project root and the project's virtualenv binaries."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def dbt_bin() -> str:
    return str(Path(sys.executable).with_name("dbt"))
