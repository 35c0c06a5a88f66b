"""`cmsbot slack "/cms ..." [--as USER]`: a slash command into the running local service, as
Slack would post it.

The form is Slack's slash-command payload, signed under the local signing secret the service
keeps under CMSBOT_HOME. Slack's answers come two ways, and both are printed: the immediate
acknowledgement's body, and what the service posts to the command's response_url, which this
command serves itself on loopback for a few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import secrets
import sys
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import unescape

import aiohttp
from aiohttp import web

from alerts.sites import Sites
from bot.cli.talk import TIMEOUT, refused, service_url, without_secrets
from bot.cli.talk import no_service as say_no_service
from bot.config.settings import LOCAL_SLACK_FILE, Settings
from bot.config.sites_file import load_sites

LOCAL_TEAM = "T0CMSLOCAL"


def slack(args: argparse.Namespace, settings: Settings) -> int:
    """The `cmsbot slack` command."""
    command, _, text = args.command.strip().partition(" ")
    if not command.startswith("/") or len(command) < 2:
        print(f"cmsbot: {args.command!r} is not a slash command; try \"/cms help\"",
              file=sys.stderr)
        return 2
    sites = load_sites(settings.sites_path, settings.timezone).sites
    user = slack_user(sites, args.as_user)
    if user is None:
        known = ", ".join(c.slack_user for c in sites.coordinators if c.slack_user) or "none"
        print(f"cmsbot: {args.as_user or 'no coordinator'!r} is neither a slack_user of "
              f"{settings.sites_path} nor the name of someone there with one (coordinators: "
              f"{known}); pass --as SLACK_USER or --as \"NAME\"", file=sys.stderr)
        return 2
    url = service_url(args, settings)
    if not (settings.home / LOCAL_SLACK_FILE).exists():
        return without_secrets(url, (LOCAL_SLACK_FILE,), settings)
    form = {"token": "local", "team_id": LOCAL_TEAM, "team_domain": "cmsbot-local",
            "channel_id": sites.coordinators_channel or "C0CMSLOCAL", "user_id": user,
            "command": command, "text": text.strip(), "api_app_id": "A0CMSLOCAL",
            "trigger_id": f"local.{secrets.token_hex(8)}"}
    secret = settings.local_slack_secret().reveal()
    return asyncio.run(_talk(url, form, secret, args.wait, settings))


def slack_user(sites: Sites, wanted: str | None) -> str | None:
    """The Slack user id `wanted` names (an id, or a person's name in any case); with none
    wanted, the first coordinator with one. None when nobody on the roster fits."""
    people = [(c.name, c.slack_user) for c in sites.coordinators]
    people += [(m.name, m.slack_user) for team in sites.teams for m in team.members]
    for name, user in people:
        if user and (wanted is None or wanted in (user, name)
                     or wanted.casefold() == name.casefold()):
            return user
    return None


async def _talk(url: str, form: dict[str, str], secret: str, wait: float,
                settings: Settings) -> int:
    answers: asyncio.Queue[Any] = asyncio.Queue()
    async with _response_url(answers) as response_url:
        body = urlencode({**form, "response_url": response_url})
        timestamp = str(int(time.time()))
        signature = "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(),
                                     hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
        timeout = aiohttp.ClientTimeout(total=TIMEOUT)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session, session.post(
                    url + "/slack/events", data=body, headers=headers) as response:
                status, ack = response.status, await response.text()
        except aiohttp.ClientConnectionError:
            return say_no_service(url)
        if status == 401:
            return refused(url, "Slack request", settings)
        if status != 200:
            print(f"cmsbot: the service answered {status}: {ack.strip()[:200]}",
                  file=sys.stderr)
            return 1
        if ack.strip():
            print(_text_of(ack))
        try:
            print(_text_of(await asyncio.wait_for(answers.get(), wait)))
        except TimeoutError:
            if not ack.strip():
                print(f"cmsbot: no answer within {wait:g} s", file=sys.stderr)
                return 1
    return 0


@contextlib.asynccontextmanager
async def _response_url(answers: asyncio.Queue[Any]) -> AsyncIterator[str]:
    """A response_url on loopback, for as long as the command waits: what arrives is queued."""
    async def receive(request: web.Request) -> web.Response:
        await answers.put(await request.text())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/response", receive)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}/response"
    finally:
        await runner.cleanup()


def _text_of(raw: str) -> str:
    """A Slack message's text (JSON with `text`), or the body as it came."""
    try:
        message = json.loads(raw)
    except ValueError:
        return raw.strip()
    if isinstance(message, dict) and isinstance(message.get("text"), str):
        # As Slack shows it: the only escapes of its message text are these three.
        return unescape(str(message["text"]))
    return raw.strip()
