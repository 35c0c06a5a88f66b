"""`POST /slack/events`: slash commands, buttons and events, checked and handed to the Bolt app.

The signature is checked on the raw body before anything parses it: 401 when it is missing,
wrong or stale, 400 when a signed body is not what Slack sends (UTF-8, and a JSON object or a
form). Each refusal is one WARNING line. Bolt then checks the signature again, as it always does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest

from handlers import keys
from handlers.http import error
from handlers.slack_verify import signature_problem, slack_body

log = logging.getLogger(__name__)


async def slack_events(request: web.Request) -> web.Response:
    """Verify, then dispatch to Bolt, which acks within Slack's 3 seconds."""
    # Slack's signing secret, or the local one with no Slack configured (`cmsbot slack`).
    bolt, secret = request.app[keys.BOLT], request.app[keys.SLACK_SECRET]
    raw = await request.read()  # read already, within its deadline (handlers.bodies)
    # Slack's timestamps are wall-clock time, which Bolt checks them against too.
    problem = signature_problem(raw, request.headers, secret.reveal(), time.time())
    if problem is not None:
        log.warning("refused a Slack request with a %s signature", problem)
        error(web.HTTPUnauthorized, "invalid request")
    # The headers as Bolt will hold them (the last of a repeated one wins), and the content
    # type it will take from them: the body is judged as Bolt is going to read it.
    named = {name.lower(): value for name, value in request.headers.items()}
    try:
        text = raw.decode("utf-8")
        slack_body(text, named.get("content-type", "").split(";")[0])
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError among them
        log.warning("refused a signed Slack request: the body is not one Slack sends (%s)", exc)
        error(web.HTTPBadRequest, "the body is not a Slack request")
    headers: dict[str, str | Sequence[str]] = dict(named)
    bolt_request = AsyncBoltRequest(body=text, query=request.query_string, headers=headers)
    return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))
