"""HTML pages of the dashboard: one document shell with strict security headers.

Pages hold no data: scripts from /static fetch it from the dashboard's JSON routes and insert
it as text, never as markup. The Content-Security-Policy allows only this origin's scripts and
styles (no inline script, nothing from elsewhere) and images; the map page alone may also load
images from the tile server CMSBOT_MAP_TILES names, when it names one. The Referrer-Policy keeps
a sign-in link's token out of any Referer header (a tile server included).
"""

from __future__ import annotations

from html import escape

from aiohttp import web


def csp(images_from: tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy: this origin only, and images from `images_from` too
    (origins checked by bot/config/map_tiles.py, never taken from a request)."""
    images = " ".join(("'self'", "data:", *images_from))
    return ("default-src 'self'; script-src 'self'; style-src 'self'; "
            f"img-src {images}; connect-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")


CSP = csp()
PRIVATE = {"Cache-Control": "no-store", "Content-Security-Policy": CSP,
           "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
           "X-Frame-Options": "DENY"}


def page(title: str, body: str, *, status: int = 200, scripts: tuple[str, ...] = (),
         styles: tuple[str, ...] = (), csrf: str | None = None,
         images_from: tuple[str, ...] = ()) -> web.Response:
    """An HTML page; `body` is markup already escaped by the caller. `scripts` and `styles` are
    paths under /static; `styles` come before dashboard.css, whose rules then win."""
    meta = f'<meta name="csrf-token" content="{escape(csrf)}">' if csrf else ""
    links = "".join(f'<link rel="stylesheet" href="/static/{name}">'
                    for name in (*styles, "dashboard.css"))
    tags = "".join(f'<script src="/static/{name}" defer></script>' for name in scripts)
    document = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{escape(title)} · CMS</title>{meta}"
                # An empty icon: browsers ask for /favicon.ico otherwise, a 404 on every page.
                f'<link rel="icon" href="data:,">{links}{tags}</head>'
                f"<body>{body}</body></html>")
    return web.Response(text=document, status=status, content_type="text/html",
                        headers={**PRIVATE, "Content-Security-Policy": csp(images_from)})


def nav(name: str, current: str, csrf: str) -> str:
    """The top bar: where you are, who you are, and sign-out (a CSRF-protected POST)."""
    links = "".join(
        f'<a href="{href}"{" aria-current=page" if href == current else ""}>{label}</a>'
        for href, label in (("/", "Map"), ("/reports", "Reports"),
                            ("/roster", "Roster"), ("/report", "Report a shooting")))
    return (f'<header class="bar"><strong>CMS</strong><nav>{links}</nav>'
            f'<span class="who">{escape(name)}</span>'
            f'<form method="post" action="/signout"><input type="hidden" name="csrf" '
            f'value="{escape(csrf)}"><button type="submit">Sign out</button></form></header>')
