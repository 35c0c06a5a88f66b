"""The dashboard's door: sign-in pages for one-time links, sign-out, and the guard every
dashboard page and data route goes through.

Without a valid session a page redirects to /signin, which says how to get a link; a data
route answers 401. Who the session belongs to is looked up in the sites file on every
request, so a person taken off the roster is out at once; sign-out ends the session in Redis
as well, so a copy of the cookie opens nothing afterwards. Sign-in refuses posts from another
site's page (login CSRF). Responses to signed-in people are never cached.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from html import escape

from aiohttp import web

from alerts.sites import Person
from bot.services.sessions import COOKIE, SESSION_TTL, Session
from handlers import keys
from handlers.http import error
from handlers.origin import from_own_page
from handlers.pages import page

log = logging.getLogger(__name__)
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class Viewer:
    """A signed-in person looking at the dashboard."""

    person: Person
    session: Session
    csrf: str

    def sees(self, team_ids: list[str]) -> bool:
        """Whether an incident routed to these teams is theirs to see (coordinators: all)."""
        return self.person.is_coordinator or bool(set(team_ids) & set(self.person.team_ids))


async def viewer(request: web.Request, *, page_request: bool = False) -> Viewer:
    """The signed-in person; otherwise a redirect to /signin (pages) or a 401 (data)."""
    signer = request.app[keys.SESSIONS]
    session = signer.read(request.cookies.get(COOKIE), request.app[keys.CLOCK]())
    if session is not None and not await asyncio.to_thread(
            request.app[keys.SERVICES].live_sessions.alive, session):
        session = None  # signed out: the signature is still good, the session is not
    person = request.app[keys.SITES].sites.person_for_slack(session.user) if session else None
    if session is None or person is None:
        if page_request:
            raise web.HTTPSeeOther("/signin")
        error(web.HTTPUnauthorized, "not signed in: type /cms dashboard in Slack for a sign-in link")
    return Viewer(person, session, signer.csrf_token(session))


async def require_csrf(request: web.Request, who: Viewer) -> None:
    """403 unless a state-changing request carries the session's CSRF token."""
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.content_type == "application/x-www-form-urlencoded":
        token = str((await request.post()).get("csrf", ""))
    if not request.app[keys.SESSIONS].csrf_ok(who.session, token):
        error(web.HTTPForbidden, "missing or wrong CSRF token; reload the page")


async def signin_help(_request: web.Request) -> web.Response:
    """How to sign in (where pages send people without a session)."""
    return page("Sign in", "<h1>CMS dashboard</h1><p>To sign in, type <code>/cms dashboard</code> "
                "in Slack. You will get a link for you alone; it works once, for 10 minutes.</p>",
                status=200)


async def signin_link(request: web.Request) -> web.Response:
    """The page a sign-in link opens: a button, so link previews cannot use the link up."""
    token = request.match_info["token"]
    user = await asyncio.to_thread(request.app[keys.SERVICES].signin_links.peek, token,
                                   request.app[keys.CLOCK]())
    person = request.app[keys.SITES].sites.person_for_slack(user) if user else None
    if person is None:
        return _link_gone()
    shown = page("Sign in", "<h1>CMS dashboard</h1>"
                 f"<form method='post' action='/signin'><input type='hidden' name='token' "
                 f"value='{_attr(token)}'><p>Signing in as <strong>{_text(person.name)}</strong>."
                 "</p><button type='submit'>Sign in</button></form>")
    # A Referer of the origin alone, never the path (the token), even to this server: a proxy's
    # log keeps no live link. Unlike no-referrer, browsers without Fetch Metadata then send
    # the page's real Origin with the button's post, not "null", and sign-in can check it.
    shown.headers["Referrer-Policy"] = "strict-origin"
    return shown


async def signin(request: web.Request) -> web.Response:
    """Redeem a link (once) and start a session: a signed, HttpOnly, SameSite cookie."""
    # SameSite does not guard this: the victim has no cookie yet. Refused before the link is
    # redeemed, so a refused post does not use up the link.
    if not from_own_page(request, request.app[keys.SETTINGS].public_url):
        log.warning("dashboard: a sign-in posted from another site was refused")
        return page("Sign-in refused", "<h1>Sign-in refused</h1><p>Sign in from the page your "
                    "link opens. Type <code>/cms dashboard</code> in Slack for a link.</p>",
                    status=403)
    if request.content_length is not None and request.content_length > 1024:
        return _link_gone()
    token = str((await request.post()).get("token", ""))
    user = await asyncio.to_thread(request.app[keys.SERVICES].signin_links.redeem, token,
                                   request.app[keys.CLOCK]())
    person = request.app[keys.SITES].sites.person_for_slack(user) if user else None
    if user is None or person is None:
        return _link_gone()
    value, session = request.app[keys.SESSIONS].issue(user, request.app[keys.CLOCK]())
    await asyncio.to_thread(request.app[keys.SERVICES].live_sessions.start, session)
    log.info("dashboard: %s signed in", person.name)
    response = web.HTTPSeeOther("/")
    response.set_cookie(COOKIE, value, max_age=int(SESSION_TTL.total_seconds()), path="/",
                        httponly=True, samesite="Lax", secure=_https(request))
    raise response


async def signout(request: web.Request) -> web.Response:
    """End the session (CSRF-protected: a foreign page cannot sign people out)."""
    who = await viewer(request)
    await require_csrf(request, who)
    await asyncio.to_thread(request.app[keys.SERVICES].live_sessions.end, who.session)
    log.info("dashboard: %s signed out", who.person.name)
    response = web.HTTPSeeOther("/signin")
    response.del_cookie(COOKIE, path="/")
    raise response


def _https(request: web.Request) -> bool:
    public = request.app[keys.SETTINGS].public_url or ""
    return public.startswith("https://")


def _link_gone() -> web.Response:
    return page("Sign-in link used or expired",
                "<h1>That sign-in link was used or has expired</h1><p>Links work once, for 10 "
                "minutes. Type <code>/cms dashboard</code> in Slack for a new one.</p>",
                status=400)


def _text(value: str) -> str:
    return escape(value, quote=False)


def _attr(value: str) -> str:
    return escape(value, quote=True)
