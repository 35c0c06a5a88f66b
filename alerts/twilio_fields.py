"""The fields Twilio's webhooks always carry, and their exact form.

Twilio signs the URL followed by the sorted keys and their values run together with no
separator, so `MessageSid=SM...&NumMedia=0` and `MessageSid=SM...NumMedia0` carry the same
signature. A captured request can thus be re-cut into one that checks out but names a "new"
MessageSid, and every effect keyed on the MessageSid (acted on once) would happen again. Every
value Twilio gives a fixed form is held to it, and the fields it always sends are required: a
re-cut has to move a key name (always capitalised) into a value, or leave a field out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

Webhook = Literal["sms", "status", "voice", "gather", "voice-status"]

_HEX32 = "[0-9a-fA-F]{32}"  # Twilio's own pattern for its sids
_MESSAGE_SID = re.compile(f"(SM|MM){_HEX32}")
_STATUS = re.compile("[a-z_]{1,24}")  # queued, sent, delivered, partially_delivered, ...
_CALL_STATUS = re.compile("[a-z-]{1,24}")  # queued, ringing, in-progress, no-answer, busy, ...
# Each field that has a fixed form, checked whenever it is present.
_FORMS: Mapping[str, re.Pattern[str]] = {
    "AccountSid": re.compile(f"AC{_HEX32}"),
    "MessageSid": _MESSAGE_SID,
    "SmsSid": _MESSAGE_SID,
    "SmsMessageSid": _MESSAGE_SID,
    "MessagingServiceSid": re.compile(f"MG{_HEX32}"),
    "MessageStatus": _STATUS,
    "SmsStatus": _STATUS,
    "NumMedia": re.compile("[0-9]{1,2}"),
    "NumSegments": re.compile("[0-9]{1,3}"),
    "ErrorCode": re.compile("[0-9]{0,6}"),
    "CallSid": re.compile(f"CA{_HEX32}"),
    "CallStatus": _CALL_STATUS,
    "AnsweredBy": re.compile("[a-z_]{1,24}"),  # human, machine_end_beep, fax, unknown, ...
    "Digits": re.compile("[0-9*#]{0,32}|hangup|timeout"),
}
# What Twilio sends with every inbound SMS and every status callback.
REQUIRED: Mapping[Webhook, tuple[str, ...]] = {
    "sms": ("AccountSid", "MessageSid", "From", "To", "Body", "NumMedia"),
    "status": ("AccountSid", "MessageSid", "MessageStatus"),
    "voice": ("AccountSid", "CallSid", "CallStatus", "From", "To"),
    "gather": ("AccountSid", "CallSid", "CallStatus", "Digits"),
    "voice-status": ("AccountSid", "CallSid", "CallStatus"),
}


def refusal(form: Mapping[str, str], webhook: Webhook, account_sid: str | None) -> str | None:
    """Why a signed webhook's form is not one Twilio sent (None: it is one).

    `account_sid`: ours; a form naming another account is refused. None (no account
    configured) accepts any well-formed AccountSid.
    The reason names a field, never its value (which may hold a phone number).
    """
    for name in REQUIRED[webhook]:
        if name not in form:
            return f"{name} is missing"
    for name, pattern in _FORMS.items():
        value = form.get(name)
        if value is not None and pattern.fullmatch(value) is None:
            return f"{name} is not of Twilio's form"
    if account_sid is not None and form["AccountSid"] != account_sid:
        return "AccountSid is not our account"
    return None
