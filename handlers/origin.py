"""Whether a browser request was made by one of our own pages, not by another site's.

Browsers say where a request comes from in headers that a page's script cannot set: `Origin`
(sent with every POST by the browsers of the last years) and `Sec-Fetch-Site` (Fetch Metadata).
The sign-in form uses this against login CSRF: another site making a victim's browser post an
attacker's sign-in link, so that the victim then works (and types) in the attacker's session.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

# "none": the user made the request themselves (typed, bookmarked): no page is behind it.
_OWN_SITE = ("same-origin", "none")


def from_own_page(request: web.Request, public_url: str | None) -> bool:
    """False when the browser says the request came from another site's page (or a sibling's:
    "same-site" is refused too, as a subdomain someone else runs could post it)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        # Fetch Metadata, when sent, decides: under Referrer-Policy: no-referrer (our pages'
        # default) browsers send `Origin: null` even to their own origin.
        return site.strip().lower() in _OWN_SITE
    origin = request.headers.get("Origin")
    if origin is None:
        # Neither header: curl, a script, or a browser too old to send them (Firefox sent no
        # Origin on form posts before version 70). As in OWASP's Fetch Metadata guidance these
        # are let through: a script is nobody's browser, and what is left is a small risk on
        # browsers long out of support, less than locking out every client that lacks them.
        return True
    # Browsers with Origin but no Fetch Metadata (Safari before 16.4): the page must be ours
    # ("null" is refused: the sign-in page's Referrer-Policy lets them send the real one).
    return _scheme_of(origin) in ("http", "https") and \
        _netloc_of(origin) in _own_netlocs(request, public_url)


def _own_netlocs(request: web.Request, public_url: str | None) -> set[str]:
    # The public URL (behind a proxy the Host may be an internal name), and the Host the
    # browser itself sent the request to: a page on that same host is ours.
    own = {request.host.lower()}
    if public_url:
        own.add(urlsplit(public_url).netloc.lower())
    return own - {""}


def _netloc_of(origin: str) -> str:
    return urlsplit(origin.strip()).netloc.lower()


def _scheme_of(origin: str) -> str:
    return urlsplit(origin.strip()).scheme.lower()
