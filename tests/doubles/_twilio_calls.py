"""The Calls resource of the Twilio double: create, list and fetch, and the call's life after.

A created call waits for the test to say what happens to it, as a phone would: `pick_up` fetches
the call's TwiML from the app (signed, with AnsweredBy when machine detection was asked for),
`press` posts a key to the <Gather> action that TwiML named, `hang_up` ends it and posts the
signed status callback, with `busy`, `no-answer` or `failed` for a call nobody took.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from aiohttp import web

from tests.doubles import _twilio_wire as wire

_ENDED = ("completed", "busy", "no-answer", "failed", "canceled")


@dataclass
class PlacedCall:
    """A call the double accepted, as the app asked for it, and what became of it."""

    sid: str
    to: str
    from_: str
    url: str
    status_callback: str | None
    machine_detection: str | None
    date_created: datetime
    status: str = "queued"
    twiml: list[str] = field(default_factory=list)  # every TwiML the app answered, in order

    def resource(self, base: str) -> dict[str, Any]:
        """The Call resource as fetch and list show it."""
        stamp = wire.rfc2822(self.date_created)
        return {
            "account_sid": base.rsplit("/", 1)[-1], "answered_by": None,
            "api_version": wire.API_VERSION, "caller_name": None, "date_created": stamp,
            "date_updated": stamp, "direction": "outbound-api", "duration": None,
            "end_time": None, "forwarded_from": None, "from": self.from_,
            "from_formatted": self.from_, "group_sid": None, "parent_call_sid": None,
            "phone_number_sid": None, "price": None, "price_unit": "USD", "sid": self.sid,
            "start_time": stamp if self.status != "queued" else None, "status": self.status,
            "subresource_uris": {}, "to": self.to, "to_formatted": self.to,
            "uri": f"{base}/Calls/{self.sid}.json",
        }


def _parse(twiml: str) -> ET.Element:
    # Only ever the app under test's own TwiML, as Twilio would read it.
    return ET.fromstring(twiml)  # noqa: S314


def gather_action(twiml: str, base_url: str) -> str | None:
    """The absolute URL a TwiML's <Gather> posts keys to (None: the TwiML gathers nothing)."""
    found = _parse(twiml).find("Gather")
    if found is None:
        return None
    return urljoin(base_url, found.get("action") or base_url)


def redirect_target(twiml: str, base_url: str) -> str | None:
    """The absolute URL a TwiML's <Redirect> goes on to, if it has one."""
    found = _parse(twiml).find("Redirect")
    return urljoin(base_url, (found.text or "").strip()) if found is not None else None


def spoken(twiml: str) -> list[str]:
    """Every <Say> of a TwiML, inside a <Gather> or not, in order."""
    return [(say.text or "") for say in _parse(twiml).iter("Say")]


def refusal(form: Any) -> web.Response | None:
    """Twilio's 400 for a create without what a call needs."""
    to, sender = str(form.get("To", "")).strip(), form.get("From")
    if not to:
        return wire.error_response(21201)
    if not wire.is_valid_address(to):
        return wire.error_response(21211, to=to)
    if not sender:
        return wire.error_response(21213)
    if not form.get("Url") and not form.get("Twiml") and not form.get("ApplicationSid"):
        return wire.error_response(21205)
    return None


def ended(status: str) -> bool:
    """Whether a CallStatus is final."""
    return status in _ENDED
