"""`cmsbot sms FROM TEXT`: a text into the running local service, as Twilio would post it.

The form is the one Twilio posts for an inbound SMS (its standard fields, sids of Twilio's
form), signed with twilio's own RequestValidator under the local auth token that the service
keeps under CMSBOT_HOME; the TwiML answer's message is printed. A service with real Twilio
credentials refuses it, as it must.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import sys
from xml.sax.saxutils import unescape

import aiohttp
from twilio.request_validator import RequestValidator

from bot.config.settings import LOCAL_TWILIO_FILES, Settings

# A number of the fictional 555-01xx range, for `To` when no staff number is configured: the
# local service takes whatever number a text is sent to as its staff number.
LOCAL_STAFF_NUMBER = "+12125550199"
TIMEOUT = 20.0  # seconds: beyond the reply budget, within which the service always answers
_MESSAGE = re.compile(r"<Message>(.*?)</Message>", re.DOTALL)


class NoService(Exception):
    """Nothing answers at the service URL."""


def service_url(args: argparse.Namespace, settings: Settings) -> str:
    """Where the commands post: --url, else where this machine's service listens."""
    return str(args.url or settings.public_base()).rstrip("/")


def no_service(url: str) -> int:
    """Say that nothing answers at `url`, and how to start something there; the exit status."""
    print(f"cmsbot: no cmsbot service answers at {url}; start it with `cmsbot demo` or "
          "`cmsbot serve` (or name where it listens with --url)", file=sys.stderr)
    return 1


def without_secrets(url: str, files: tuple[str, ...], settings: Settings) -> int:
    """Nothing to sign with: no service in the outbox default has run under this home (none
    is made here). Say whether anything answers at `url`; the exit status."""
    try:
        asyncio.run(_get(url + "/healthz"))
    except NoService:
        return no_service(url)
    print(f"cmsbot: {settings.home.resolve()} holds no {' or '.join(files)}: the service at "
          f"{url} keeps its state under another CMSBOT_HOME, or has real credentials",
          file=sys.stderr)
    return 1


def refused(url: str, what: str, settings: Settings) -> int:
    """Say why a service refuses what was signed with the local secrets; the exit status."""
    print(f"cmsbot: the service at {url} refused the {what} signed with the local secret of "
          f"{settings.home.resolve()}: it has real {what.split()[0]} credentials configured, or "
          "keeps its state under another CMSBOT_HOME", file=sys.stderr)
    return 1


def sms(args: argparse.Namespace, settings: Settings) -> int:
    """The `cmsbot sms` command."""
    url = service_url(args, settings)
    if not all((settings.home / name).exists() for name in LOCAL_TWILIO_FILES):
        return without_secrets(url, LOCAL_TWILIO_FILES, settings)
    try:
        status, body = asyncio.run(post_sms(url, settings, args.sender, args.text, args.to))
    except NoService:
        return no_service(url)
    if status == 403:
        return refused(url, "Twilio webhook", settings)
    if status != 200:
        print(f"cmsbot: the service answered {status}: {body.strip()[:200]}", file=sys.stderr)
        return 1
    messages = twiml_messages(body)
    if not messages:
        print("(no answer by TwiML: it comes by SMS later; see `cmsbot outbox`)")
    for message in messages:
        print(message)
    return 0


async def post_sms(url: str, settings: Settings, sender: str, text: str,
                   to: str | None = None) -> tuple[int, str]:
    """Post `text` from `sender` to the service at `url` as Twilio would, signed with the local
    auth token; the status and body of the answer (NoService when nothing answers)."""
    account, token = settings.local_twilio()
    sid = "SM" + secrets.token_hex(16)
    form = {"AccountSid": account, "ApiVersion": "2010-04-01", "MessageSid": sid, "SmsSid": sid,
            "SmsMessageSid": sid, "SmsStatus": "received", "From": sender,
            "To": to or settings.twilio_staff_from or LOCAL_STAFF_NUMBER,
            "Body": text, "NumMedia": "0", "NumSegments": "1"}
    # Signed for the URL the service checks against: its public URL when it has one.
    signed = (settings.public_url or url) + "/twilio/sms"
    signature = RequestValidator(token.reveal()).compute_signature(signed, form)
    return await _post(url + "/twilio/sms", form, signature)


def twiml_messages(body: str) -> list[str]:
    """The texts of the messages in a TwiML answer."""
    return [unescape(text) for text in _MESSAGE.findall(body)]


async def _post(url: str, form: dict[str, str], signature: str) -> tuple[int, str]:
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.post(
                url, data=form, headers={"X-Twilio-Signature": signature}) as response:
            return response.status, await response.text()
    except aiohttp.ClientConnectionError:
        raise NoService from None


async def _get(url: str) -> None:
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session, \
                session.get(url):
            pass
    except aiohttp.ClientConnectionError:
        raise NoService from None
