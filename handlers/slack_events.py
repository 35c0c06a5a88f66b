"""`POST /slack/events`: slash commands, buttons and events, handed to the Bolt app."""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

from handlers import keys


async def slack_events(request: web.Request) -> web.Response:
    """Dispatch to Bolt, which verifies the signature and acks within Slack's 3 seconds."""
    bolt = request.app.get(keys.BOLT)
    if bolt is None:
        raise web.HTTPNotFound(text="Slack is not configured (set SLACK_BOT_TOKEN and "
                                    "SLACK_SIGNING_SECRET)")
    response = await bolt.async_dispatch(await to_bolt_request(request))
    return await to_aiohttp_response(response)
