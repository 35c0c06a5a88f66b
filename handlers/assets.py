"""Where the dashboard's static files are: served from the installed package, not the checkout."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
