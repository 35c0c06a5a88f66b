"""`GET /calendar/{secret}.ics`: a person's shifts, time off and covers for their phone.

The link is the only credential (calendar apps send no cookie and no token), so it is long,
made for one person (alerts.calendar_links), and never logged; a secret no one on the live
roster has is a 404 that says nothing of why. The feed is private to its owner: shared caches
must not keep it, and a phone may keep it for five minutes.
"""

from __future__ import annotations

import logging

from aiohttp import web

from alerts.calendar_links import owner_for, owner_periods
from alerts.calendars import calendar_feed
from handlers import keys
from handlers.http import error

log = logging.getLogger(__name__)
CONTENT_TYPE = "text/calendar; charset=utf-8"


async def get_calendar(request: web.Request) -> web.Response:
    """The feed of the person the secret belongs to; 404 for any other secret."""
    app = request.app
    sites = app[keys.SITES].sites
    owner = owner_for(sites, app[keys.CALENDAR_KEY], request.match_info["secret"])
    if owner is None:
        error(web.HTTPNotFound, "no such calendar")
    now = app[keys.CLOCK]()
    feed = calendar_feed(owner.name, owner_periods(sites, owner, now), now)
    # Debug only: every subscribed phone fetches about hourly.
    log.debug("calendar feed served to %s (%s)", owner.name, owner.team_id)
    return web.Response(body=feed, headers={"Content-Type": CONTENT_TYPE,
                                            "Cache-Control": "private, max-age=300"})
