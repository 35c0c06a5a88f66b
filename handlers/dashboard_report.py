"""The dashboard's "Report a shooting" form: the same report as `/cms new`, for coordinators
and supervisors, with the session's person as the reporter and its CSRF token.

A plain HTML form (it works without the page's scripts); a hidden nonce, made when the form is
drawn, makes the same form sent twice one report.
"""

from __future__ import annotations

import secrets
from html import escape

from aiohttp import web

from alerts.people_reports import SOURCES, ReportError, ReportForm
from bot.services.people_reports import NOT_ALLOWED
from handlers import keys
from handlers.dashboard_auth import Viewer, require_csrf, viewer
from handlers.pages import nav, page

_FIELDS = (("place", "Where", "A team, precinct:75, nta:BK82, zip:11207 or 40.81, -73.92"),
           ("cross_streets", "Cross streets", "e.g. Pitkin Ave & Rockaway Ave"),
           ("time", "When", "now, 23:15 or 11pm (city time)"),
           ("victims", "Victims", "a number; 0 for shots fired; empty if unknown"))


async def report_form(request: web.Request) -> web.Response:
    """The empty form (or, for those who may not report, why not)."""
    who = await viewer(request, page_request=True)
    return _page(who, ReportForm(place=""), secrets.token_urlsafe(12))


async def report_submit(request: web.Request) -> web.Response:
    """Report it; the form again with the field that is wrong, or what was paged."""
    who = await viewer(request, page_request=True)
    await require_csrf(request, who)
    posted = await request.post()
    form = ReportForm(**{name: str(posted.get(name, ""))[:300] for name, _, _ in _FIELDS},
                      fatal=posted.get("fatal") == "yes",
                      source=str(posted.get("source", "other")))
    nonce = str(posted.get("nonce", ""))[:40] or secrets.token_urlsafe(12)
    try:
        outcome = await request.app[keys.SERVICES].people_reports.report(who.person, form, nonce,
                                                                         "dashboard")
    except ReportError as exc:
        return _page(who, form, nonce, exc, status=403 if exc.field == "reporter" else 400)
    teams = ", ".join(outcome.teams) or "the coordinators"
    said = (f"{outcome.incident_id} was already reported." if outcome.duplicate else
            f"Reported as {outcome.incident_id}: {teams} paged ({outcome.deliveries} messages).")
    body = (nav(who.person.name, "/report", who.csrf)
            + '<main class="report-form"><h1>Report a shooting</h1><p role="status">'
            + f'{escape(said)}</p><p><a href="/">Back to the map</a> · '
            + '<a href="/report">Report another</a></p></main>')
    return page("Reported", body, csrf=who.csrf)


def _page(who: Viewer, form: ReportForm, nonce: str, problem: ReportError | None = None,
          status: int = 200) -> web.Response:
    allowed = who.person.is_coordinator or who.person.role == "supervisor"
    head = nav(who.person.name, "/report", who.csrf) + '<main class="report-form">' \
        + "<h1>Report a shooting</h1>"
    if not allowed:
        return page("Report", head + f"<p>{escape(NOT_ALLOWED)}</p></main>", status=403,
                    csrf=who.csrf)
    rows = "".join(_field(name, label, hint, getattr(form, name), problem)
                   for name, label, hint in _FIELDS)
    options = "".join(f'<option value="{s}"{" selected" if s == form.source else ""}>{s}</option>'
                      for s in SOURCES)
    alert = (f'<p class="error" role="alert">{escape(problem.message)}</p>'
             if problem is not None and problem.field == "reporter" else "")
    body = (head + alert + '<form method="post" action="/report">'
            + f'<input type="hidden" name="csrf" value="{escape(who.csrf)}">'
            + f'<input type="hidden" name="nonce" value="{escape(nonce)}">' + rows
            + '<p><label><input type="checkbox" name="fatal" value="yes"'
            + (" checked" if form.fatal else "") + "> Someone died</label></p>"
            + '<p><label for="source">Source</label> <select id="source" name="source">'
            + f"{options}</select></p>"
            + '<p><button type="submit">Report and page</button></p></form></main>')
    return page("Report", body, status=status, csrf=who.csrf)


def _field(name: str, label: str, hint: str, value: str, problem: ReportError | None) -> str:
    wrong = problem is not None and problem.field == name
    error = (f'<span id="{name}-error" class="error">{escape(problem.message)}</span>'
             if wrong and problem is not None else "")
    described = f"{name}-hint" + (f" {name}-error" if wrong else "")
    return (f'<p><label for="{name}">{label}</label> '
            f'<input id="{name}" name="{name}" value="{escape(value)}" '
            f'aria-describedby="{described}"{" aria-invalid=true" if wrong else ""}'
            f'{" required" if name == "place" else ""}> '
            f'<small id="{name}-hint" class="muted">{escape(hint)}</small> {error}</p>')
