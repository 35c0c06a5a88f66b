"""The Slack side of the app: a Bolt AsyncApp with our listeners, served on our own aiohttp app."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import redis
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.config.settings import Settings
from bot.notify.factory import slack_client
from bot.services.people_reports import PeopleReports
from bot.services.slack_desk import SlackDesk
from handlers.slack import register

log = logging.getLogger(__name__)
# The discard port on loopback: with no Slack configured nothing leaves this machine, and a
# Web API call fails at once instead of reaching slack.com without a token.
NO_SLACK_API = "http://127.0.0.1:9/api/"
SEEN_FOR = 3600  # seconds a Slack request id is remembered, far beyond Slack's retry window


def build_bolt(settings: Settings, session: aiohttp.ClientSession, desk: SlackDesk,
               reports: PeopleReports) -> AsyncApp:
    """The Bolt app, verifying every request with the signing secret (Bolt rejects bad or old).

    With no Slack configured (the outbox default), it takes requests signed with the local
    signing secret (`cmsbot slack`) and has no token: answers go to their response_url, and
    a call to Slack's Web API (views.open) goes to no server at all.
    """
    bolt_log = logging.getLogger("slack_bolt")
    bolt_log.addFilter(_token_from_client)
    if not settings.uses_slack:
        return _answering(AsyncApp(
            client=AsyncWebClient(session=session, base_url=NO_SLACK_API),
            authorize=_no_token, signing_secret=settings.slack_webhook_secret().reveal(),
            process_before_response=False, raise_error_for_unhandled_request=False,
            logger=bolt_log), desk, reports)
    client = slack_client(settings, session)
    # Quick calls from the web process (respond, views.open) wait out a 429 once; posts and
    # updates are retried by their jobs after Retry-After.
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    return _answering(AsyncApp(
        client=client, signing_secret=settings.slack_webhook_secret().reveal(),
        process_before_response=False, raise_error_for_unhandled_request=False,
        logger=bolt_log), desk, reports)


def _answering(bolt: AsyncApp, desk: SlackDesk, reports: PeopleReports) -> AsyncApp:
    bolt.middleware(once_only(desk.redis))
    register(bolt, desk, reports)
    return bolt


async def _no_token(enterprise_id: str | None, team_id: str | None,
                    user_id: str | None) -> AuthorizeResult:
    # The local stand-in's workspace: whoever the request names, with no token to call with.
    return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)


def _token_from_client(record: logging.LogRecord) -> bool:
    # Bolt reads SLACK_BOT_TOKEN from the environment even when given a client, then warns at
    # every start that it will not use it: it is the client's token already, so say nothing.
    return record.getMessage() != warning_client_prioritized_and_token_skipped()


def once_only(connection: redis.Redis) -> Any:
    """A middleware that lets each Slack request through once, however often Slack retries it."""
    async def middleware(body: dict[str, Any], next: Any) -> BoltResponse | None:
        key = request_key(body)
        if key is not None:
            try:
                first = await asyncio.to_thread(connection.set, f"cmsbot:slack:seen:{key}", 1,
                                                nx=True, ex=SEEN_FOR)
            except redis.RedisError:
                first = True  # cannot tell: acting twice (idempotent) beats not acting at all
            if not first:
                log.info("Slack retried request %s; already handled", key)
                return BoltResponse(status=200, body="")
        await next()
        return None
    return middleware


def request_key(body: dict[str, Any]) -> str | None:
    """What identifies one Slack request across its retries."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    actions = body.get("actions") or []
    if actions and actions[0].get("action_ts"):
        return f"action:{body.get('user', {}).get('id')}:{actions[0]['action_ts']}"
    if body.get("trigger_id"):
        return f"trigger:{body['trigger_id']}"
    return None
