"""Fixtures for the API doubles' own tests: a clean environment for the real SDKs."""

from __future__ import annotations

import pytest

# slack_sdk sends every request through these (NO_PROXY is ignored), and requests/twilio honour
# them too: a proxy set on a CI runner would swallow calls to the loopback doubles.
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")
# twilio.rest.Client reads these; an edge or region rewrites the host it calls.
TWILIO_VARS = ("TWILIO_EDGE", "TWILIO_REGION", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove proxy and Twilio settings from the environment for each test."""
    for name in PROXY_VARS + TWILIO_VARS:
        monkeypatch.delenv(name, raising=False)
