"""HTML pages of the dashboard: one document shell with strict security headers.

Pages hold no data: scripts from /static fetch it from the dashboard's JSON routes and insert
it as text, never as markup. The Content-Security-Policy allows only this origin's scripts and
styles (no inline script, nothing from elsewhere: the map needs no tile server), and the
Referrer-Policy keeps a sign-in link's token out of any Referer header.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
PRIVATE = {"Cache-Control": "no-store", "Content-Security-Policy": CSP,
           "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
           "X-Frame-Options": "DENY"}


def page(title: str, body: str, *, status: int = 200, scripts: tuple[str, ...] = (),
         csrf: str | None = None) -> web.Response:
    """An HTML page; `body` is markup already escaped by the caller."""
    meta = f'<meta name="csrf-token" content="{escape(csrf)}">' if csrf else ""
    tags = "".join(f'<script src="/static/{name}" defer></script>' for name in scripts)
    document = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{escape(title)} · CMS</title>{meta}"
                # An empty icon: browsers ask for /favicon.ico otherwise, a 404 on every page.
                f'<link rel="icon" href="data:,">'
                f'<link rel="stylesheet" href="/static/dashboard.css">{tags}</head>'
                f"<body>{body}</body></html>")
    return web.Response(text=document, status=status, content_type="text/html",
                        headers=PRIVATE)


def nav(name: str, current: str, csrf: str) -> str:
    """The top bar: where you are, who you are, and sign-out (a CSRF-protected POST)."""
    links = "".join(
        f'<a href="{href}"{" aria-current=page" if href == current else ""}>{label}</a>'
        for href, label in (("/", "Map"), ("/reports", "Reports")))
    return (f'<header class="bar"><strong>CMS</strong><nav>{links}</nav>'
            f'<span class="who">{escape(name)}</span>'
            f'<form method="post" action="/signout"><input type="hidden" name="csrf" '
            f'value="{escape(csrf)}"><button type="submit">Sign out</button></form></header>')
