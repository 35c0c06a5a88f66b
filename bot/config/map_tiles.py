"""The dashboard map's optional street tiles: a Leaflet tile URL template such as
`https://tile.openstreetmap.org/{z}/{x}/{y}.png` (CMSBOT_MAP_TILES), checked at start-up.

The map page's Content-Security-Policy lets images in from the template's origin and nowhere
else (handlers/pages.py), so that origin must be exact: one host name or IPv4 address, no
placeholders in it (Leaflet's `{s}` would name several hosts), no user:password. The template
also goes into a header and an HTML attribute: spaces, quotes and control characters are
refused rather than escaped.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

DEFAULT_ATTRIBUTION = "© OpenStreetMap contributors"
REQUIRED = ("{z}", "{x}", "{y}")
# What Leaflet's L.tileLayer fills in without options of ours; any other name would be an
# error in the browser ("No value provided for variable").
PLACEHOLDERS = frozenset({"z", "x", "y", "-y", "r"})
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_NETLOC = re.compile(rf"{_LABEL}(?:\.{_LABEL})*(?::[0-9]{{1,5}})?", re.IGNORECASE)
_UNSAFE = re.compile(r"[\s\"'<>\\`\x00-\x1f\x7f]")


def tile_origin(template: str) -> str:
    """The origin (scheme://host[:port]) tiles of `template` come from; ValueError saying what
    is wrong with it."""
    if _UNSAFE.search(template):
        raise ValueError("must not contain spaces, quotes, angle brackets or control characters")
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https"):
        raise ValueError("must start with https:// (or http://)")
    if "@" in parts.netloc:
        raise ValueError("must not carry a user name or password")
    if "{" in parts.netloc or "}" in parts.netloc:
        raise ValueError("must name one host: no placeholder such as {s} in the host")
    if not _NETLOC.fullmatch(parts.netloc):
        raise ValueError("must name a host (a name or an IPv4 address, and a port if any)")
    missing = [name for name in REQUIRED if name not in template]
    if missing:
        raise ValueError(f"must contain {{z}}, {{x}} and {{y}} (missing {', '.join(missing)})")
    unknown = sorted(set(re.findall(r"\{([^{}]*)\}", template)) - PLACEHOLDERS)
    if unknown:
        raise ValueError(f"has placeholders Leaflet cannot fill: {', '.join(unknown)}")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port is not None and not 0 < port < 65536:
        raise ValueError("has a port out of range")
    return f"{parts.scheme}://{parts.netloc.lower()}"
