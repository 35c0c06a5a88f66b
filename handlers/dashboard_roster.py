"""The dashboard's roster page: coordinators see and change every team's roster, supervisors
their own team's; anyone else gets a 403 page.

Each form posts to /roster with the session's CSRF token (as every dashboard form does), is
read into the command `/cms member ...` or `/cms cover` would make, and is carried out as the
session's person by RosterDesk. A change done redirects to the page (post/redirect/get), which
shows RosterDesk's answer once; a wrong field or a refusal draws the page again with what was
typed and what is wrong.
"""

from __future__ import annotations

import asyncio
from html import escape

from aiohttp import web

from alerts.roster_form import FIELD_LIMIT, FIELDS, FormError, command_from_form
from bot.services.roster_desk import may_change
from handlers import keys
from handlers.dashboard_auth import Viewer, require_csrf, viewer
from handlers.pages import nav, page
from handlers.roster_html import Problem, team_section

NOT_ALLOWED = "Only coordinators and team supervisors can see and change the roster here."


async def roster_page(request: web.Request) -> web.Response:
    """Every team the viewer may change: members, covers, the latest changes, the forms."""
    who = await viewer(request, page_request=True)
    if not _manages(who):
        return _refused(who, NOT_ALLOWED)
    board = request.app[keys.SERVICES].roster_board
    said = await asyncio.to_thread(board.take_flash, who.session.sid)
    return await _page(request, who, said=said)


async def roster_submit(request: web.Request) -> web.Response:
    """Carry out one form as the session's person: back to the page, or the form again."""
    who = await viewer(request, page_request=True)
    await require_csrf(request, who)
    if not _manages(who):
        return _refused(who, NOT_ALLOWED)
    posted = await request.post()
    action, team_id = str(posted.get("action", ""))[:20], str(posted.get("team", ""))[:40]
    typed = {name: str(posted.get(name, ""))[:FIELD_LIMIT] for name in FIELDS.get(action, ())}
    if not may_change(who.person, team_id):
        team = request.app[keys.SITES].sites.find_team(team_id)
        return _refused(who, f"Only coordinators and {team.name if team else team_id}'s "
                        "supervisors can change its roster.")
    try:
        command = command_from_form(action, team_id, typed)
    except FormError as exc:
        return await _page(request, who, Problem(team_id, action, exc.field, exc.message, typed),
                           status=400)
    board = request.app[keys.SERVICES].roster_board
    outcome = await board.run(who.person, command)
    if not outcome.done:
        return await _page(request, who, Problem(team_id, action, None, outcome.text, typed),
                           status=400)
    await asyncio.to_thread(board.flash, who.session.sid, outcome.text)
    raise web.HTTPSeeOther(f"/roster#team-{team_id}")


def _manages(who: Viewer) -> bool:
    return who.person.is_coordinator or who.person.role == "supervisor"


async def _page(request: web.Request, who: Viewer, problem: Problem | None = None,
                said: str | None = None, status: int = 200) -> web.Response:
    boards = await request.app[keys.SERVICES].roster_board.boards(who.person)
    sites, now = request.app[keys.SITES].sites, request.app[keys.CLOCK]()
    known = {board.team.id for board in boards}
    top = (f'<p class="flash" role="status">{escape(said)}</p>' if said else "") + (
        f'<p class="error" role="alert">{escape(problem.message)}</p>'
        if problem is not None else "")
    if problem is not None and problem.team_id not in known:
        problem = None  # a team that does not exist: the message above says so
    sections = "".join(team_section(board, who.csrf, sites.tz, now, problem)
                       for board in boards)
    body = (nav(who.person.name, "/roster", who.csrf) + '<main class="roster"><h1>Roster</h1>'
            + top + sections + "</main>")
    return page("Roster", body, status=status, csrf=who.csrf)


def _refused(who: Viewer, message: str) -> web.Response:
    body = (nav(who.person.name, "/roster", who.csrf) + '<main class="roster"><h1>Roster</h1>'
            + f'<p class="error" role="alert">{escape(message)}</p></main>')
    return page("Roster", body, status=403, csrf=who.csrf)
