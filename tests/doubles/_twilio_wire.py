"""Twilio wire details for the API double: error bodies, dates, date filters, SMS segments.

Kept apart from the server so that the server reads as "what Twilio does" and this module as
"how Twilio spells it". The GSM-7 tables are written out here on purpose instead of imported
from `alerts.gsm`: the double is the oracle the app is checked against, so it must not share
the app's mistakes.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

API_VERSION = "2010-04-01"

# (HTTP status, message) per Twilio error code, as the REST API answers them.
ERRORS: dict[int, tuple[int, str]] = {
    20001: (400, "Invalid date value."),
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource {path} was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "Internal Server Error"),
    20503: (503, "Service Unavailable"),
    21201: (400, "No 'To' number is specified"),
    21205: (400, "Url parameter is required."),
    21211: (400, "The 'To' number {to} is not a valid phone number."),
    21213: (400, "No 'From' number is specified"),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' phone number is required."),
    21604: (400, "A 'To' phone number is required."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21612: (400, "The 'To' phone number is not currently reachable via SMS."),
    21614: (400, "'To' number is not a valid mobile number"),
    21617: (400, "The concatenated message body exceeds the 1600 character limit."),
}
# Codes a recipient number can fail with permanently at create time.
PERMANENT_CODES = frozenset({21211, 21610, 21612, 21614})
# Transient HTTP statuses the fault injection can produce, with their Twilio codes.
TRANSIENT_CODES = {429: 20429, 500: 20500, 503: 20503}
# error_message shown on the resource after an asynchronous delivery failure.
DELIVERY_ERRORS = {
    30003: "Unreachable destination handset",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
}
MAX_BODY = 1600
_ADDRESS = re.compile(r"^(\+[1-9]\d{6,14}|[a-z]+:.+)$")  # E.164, or a channel like whatsapp:+1...


def is_valid_address(to: str) -> bool:
    """True for what Twilio accepts as a To: E.164 or a `channel:` address."""
    return bool(_ADDRESS.match(to))


def error_response(
    code: int, *, headers: dict[str, str] | None = None, **fmt: str
) -> web.Response:
    """A Twilio REST error: JSON `{code, message, more_info, status}` with the HTTP status."""
    status, template = ERRORS[code]
    body = {
        "code": code,
        "message": template.format(**fmt),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return web.json_response(body, status=status, headers=headers)


def new_sid(prefix: str) -> str:
    """A Twilio SID: two-letter prefix and 32 lowercase hex digits."""
    return prefix + secrets.token_hex(16)


def rfc2822(moment: datetime | None) -> str | None:
    """Twilio's date spelling, e.g. "Thu, 24 Aug 2023 05:01:45 +0000"."""
    return None if moment is None else format_datetime(moment.astimezone(UTC))


@dataclass(frozen=True)
class DateBound:
    """A DateSent filter value: a whole day (YYYY-MM-DD) or an instant (ISO 8601)."""

    moment: datetime
    whole_day: bool

    @classmethod
    def parse(cls, value: str) -> DateBound:
        """Parse the SDK's `%Y-%m-%dT%H:%M:%SZ` or a plain date; ValueError if neither."""
        if len(value) == 10:
            day = date.fromisoformat(value)
            return cls(datetime(day.year, day.month, day.day, tzinfo=UTC), whole_day=True)
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # Twilio reads unzoned values as GMT
        return cls(moment.astimezone(UTC), whole_day=False)

    def same(self, sent: datetime) -> bool:
        """`DateSent=`: the same day for a date, the same second for an instant."""
        if self.whole_day:
            return sent.date() == self.moment.date()
        return sent == self.moment.replace(microsecond=0)


def passes(query: Mapping[str, str], resource: Mapping[str, Any], sent: datetime) -> bool:
    """Whether a message passes the To, From and DateSent filters of a list request."""
    if "To" in query and query["To"] != resource["to"]:
        return False
    if "From" in query and query["From"] != resource["from"]:
        return False
    return date_filter(query, sent)


def date_filter(query: Mapping[str, str], sent: datetime) -> bool:
    """Apply `DateSent`, `DateSent>` (on or after) and `DateSent<` (on or before) to `sent`.

    Bounds are inclusive, as Twilio documents `DateSent>=`/`DateSent<=` (the `=` being the
    query separator). A bare date is midnight GMT of that day, as the docs word it.
    """
    if "DateSent" in query and not DateBound.parse(query["DateSent"]).same(sent):
        return False
    if "DateSent>" in query and sent < DateBound.parse(query["DateSent>"]).moment:
        return False
    return not ("DateSent<" in query and sent > DateBound.parse(query["DateSent<"]).moment)


def message_resource(
    base: str, sid: str, to: str, sender: str | None, body: str, service: str | None,
    sent: datetime,
) -> dict[str, Any]:
    """A Message resource as fetch and list show it, sent at `sent`; `base` is the account URI."""
    stamp = rfc2822(sent.replace(microsecond=0))
    account_sid = base.rsplit("/", 1)[-1]  # base is /2010-04-01/Accounts/AC...
    return {
        "account_sid": account_sid, "api_version": API_VERSION, "body": body,
        "date_created": stamp, "date_sent": stamp, "date_updated": stamp,
        "direction": "outbound-api", "error_code": None, "error_message": None,
        "from": sender, "messaging_service_sid": service, "num_media": "0",
        "num_segments": str(count_segments(body)), "price": None, "price_unit": "USD",
        "sid": sid, "status": "sent",
        "subresource_uris": {"media": f"{base}/Messages/{sid}/Media.json"},
        "to": to, "uri": f"{base}/Messages/{sid}.json",
    }


def list_page(
    uri: str, query: Mapping[str, str], newest_first: list[dict[str, Any]],
    key: str = "messages",
) -> dict[str, Any]:
    """Twilio's list envelope for one page of `newest_first`; ValueError on a bad page param.

    The next page carries `PageToken=PA<last sid>` as Twilio's does, so that messages created
    while a client pages cannot shift records between pages.
    """
    size = min(max(int(query.get("PageSize", "50")), 1), 1000)
    page = max(int(query.get("Page", "0")), 0)
    token = query.get("PageToken", "")
    offset = page * size
    sids = [m["sid"] for m in newest_first]
    if token.startswith("PA") and token[2:] in sids:
        offset = sids.index(token[2:]) + 1
    items = newest_first[offset : offset + size]
    filters = {k: query[k] for k in ("To", "From", "DateSent", "DateSent<", "DateSent>",
                                     "StartTime", "StartTime<", "StartTime>", "Status")
               if k in query}

    def page_uri(number: int, page_token: str = "") -> str:
        params: dict[str, Any] = {**filters, "PageSize": size, "Page": number}
        if page_token:
            params["PageToken"] = page_token
        return f"{uri}?{urlencode(params)}"

    more = offset + size < len(newest_first)
    return {
        "end": page * size + max(len(items) - 1, 0),
        "first_page_uri": page_uri(0),
        key: items,
        "next_page_uri": page_uri(page + 1, "PA" + items[-1]["sid"]) if more else None,
        "page": page,
        "page_size": size,
        "previous_page_uri": page_uri(page - 1) if page > 0 else None,
        "start": page * size,
        "uri": page_uri(page, token),
    }


# GSM 03.38 default alphabet (ESC, 0x1B, excluded) and the extension table reached through ESC.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("\f^{}\\[~]|€")


def count_segments(body: str) -> int:
    """SMS segments Twilio bills for `body`: GSM-7 160/153 septets, else UCS-2 70/67 units."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in body):
        units = [2 if ch in GSM7_EXTENDED else 1 for ch in body]
        single, part = 160, 153
    else:
        # UCS-2 as sent is UTF-16: characters outside the BMP (emoji) take two code units.
        units = [len(ch.encode("utf-16-le")) // 2 for ch in body]
        single, part = 70, 67
    if sum(units) <= single:
        return 1
    segments, used = 1, 0
    for unit in units:
        # An ESC pair or a surrogate pair is never split between two segments.
        if used + unit > part:
            segments, used = segments + 1, 0
        used += unit
    return segments
