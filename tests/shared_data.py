"""Where the real NYC open data lives for the tests that replay it (never copied into the repo)."""

import os
from pathlib import Path

import pytest


def data_dir() -> Path:
    """CMSBOT_DATA_DIR, checked: these tests fail loudly rather than skip when it is missing."""
    value = os.environ.get("CMSBOT_DATA_DIR")
    if not value:
        pytest.fail("CMSBOT_DATA_DIR is not set: point it at the shared NYC data folder "
                    "(.ci/run sets ../shared/data)", pytrace=False)
    path = Path(value).resolve()
    if not (path / "nyc_police_precincts_77.geojson").exists():
        pytest.fail(f"CMSBOT_DATA_DIR={value} does not hold the shared NYC data "
                    f"(looked in {path})", pytrace=False)
    return path
