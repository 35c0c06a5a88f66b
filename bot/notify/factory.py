"""Open the notifier for each channel from settings: the provider when configured, else the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from twilio.rest import Client

from bot.config.settings import Settings
from bot.notify.base import Notifier
from bot.notify.outbox import OutboxNotifier
from bot.notify.slack_posts import SlackPosts
from bot.notify.twilio_sms import TwilioSms, close_client, open_client
from bot.notify.twilio_voice import NoCalls, TwilioVoice
from bot.store.outbox import OutboxStore


@asynccontextmanager
async def open_notifiers(settings: Settings, outbox: OutboxStore,
                         clock: Callable[[], datetime]) -> AsyncIterator[dict[str, Notifier]]:
    """A notifier per channel ("sms", "slack"), with clients opened here and closed on exit."""
    async with AsyncExitStack() as stack:
        fallback = OutboxNotifier(outbox, clock)
        notifiers: dict[str, Notifier] = {"sms": fallback, "slack": fallback, "voice": fallback}
        if settings.uses_twilio:
            assert settings.twilio_account_sid and settings.twilio_auth_token
            client, http = open_client(settings.twilio_account_sid,
                                       settings.twilio_auth_token.reveal(), settings.twilio_api_url)
            stack.push_async_callback(close_client, http)
            senders = {"staff": settings.twilio_staff_from or "",
                       "resident": settings.twilio_resident_from or settings.twilio_staff_from or ""}
            callback = f"{settings.public_url}/twilio/status" if settings.public_url else None
            notifiers["sms"] = TwilioSms(client, senders, callback, settings.provider_timeout)
            notifiers["voice"] = _voice(settings, client)
        if settings.uses_slack:
            assert settings.slack_bot_token
            session = aiohttp.ClientSession()
            stack.push_async_callback(session.close)
            notifiers["slack"] = SlackPosts(slack_client(settings, session))
        yield notifiers


def _voice(settings: Settings, client: Client) -> Notifier:
    caller_id = settings.voice_caller_id
    if settings.public_url is None:
        return NoCalls("CMSBOT_PUBLIC_URL is not set, so Twilio cannot fetch what to say")
    if caller_id is None:
        return NoCalls("TWILIO_STAFF_FROM is a Messaging Service; set TWILIO_VOICE_FROM to a "
                       "number that can call")
    return TwilioVoice(client, caller_id, settings.public_url, settings.provider_timeout)


def slack_client(settings: Settings, session: aiohttp.ClientSession) -> AsyncWebClient:
    """An AsyncWebClient on `session`, honouring SLACK_API_URL."""
    assert settings.slack_bot_token
    return AsyncWebClient(token=settings.slack_bot_token.reveal(), session=session,
                          timeout=int(settings.provider_timeout),
                          base_url=settings.slack_api_url or AsyncWebClient.BASE_URL)
