"""A signed webhook is taken only in the form Twilio sends it: its sids exact, its standard
fields present, our account named."""

import pytest

from alerts.twilio_fields import refusal

OURS = "AC" + "0" * 32
SID = "SM" + "0123456789abcdef" * 2
SMS = {"AccountSid": OURS, "ApiVersion": "2010-04-01", "Body": "NOTE 1 calm now",
       "From": "+13475550140", "MessageSid": SID, "NumMedia": "0", "NumSegments": "1",
       "SmsMessageSid": SID, "SmsSid": SID, "SmsStatus": "received", "To": "+12125550199"}
CALL = "CA" + "0123456789abcdef" * 2
VOICE = {"AccountSid": OURS, "ApiVersion": "2010-04-01", "CallSid": CALL,
         "CallStatus": "in-progress", "Called": "+13475550140", "Caller": "+12125550199",
         "Direction": "outbound-api", "From": "+12125550199", "To": "+13475550140",
         "AnsweredBy": "human"}
GATHER = {**VOICE, "Digits": "1"}
CALL_STATUS = {**VOICE, "CallStatus": "no-answer", "CallDuration": "0"}
STATUS = {"AccountSid": OURS, "ApiVersion": "2010-04-01", "From": "+12125550199",
          "MessageSid": SID, "MessageStatus": "delivered", "SmsSid": SID,
          "SmsStatus": "delivered", "To": "+13475550140"}


def without(form, *names):
    return {k: v for k, v in form.items() if k not in names}


@pytest.mark.parametrize(("form", "webhook"), [
    (SMS, "sms"),
    ({**SMS, "MessageSid": "MM" + "f" * 32, "SmsSid": "MM" + "f" * 32,
      "SmsMessageSid": "MM" + "F" * 32, "NumMedia": "1"}, "sms"),  # an MMS, Twilio's hex case
    ({**SMS, "MessagingServiceSid": "MG" + "a" * 32, "OptOutType": "STOP"}, "sms"),
    ({**SMS, "Body": ""}, "sms"),  # a picture alone has an empty body
    (without(SMS, "SmsSid", "SmsMessageSid", "SmsStatus", "NumSegments", "ApiVersion"), "sms"),
    ({**SMS, "FromCity": "BRONX", "ToCountry": "US"}, "sms"),  # fields Twilio may add
    (STATUS, "status"),
    ({**STATUS, "MessageStatus": "undelivered", "ErrorCode": "30003",
      "RawDlrDoneDate": "2607042315"}, "status"),
    ({**STATUS, "MessageStatus": "partially_delivered"}, "status"),
    (VOICE, "voice"),
    ({**VOICE, "AnsweredBy": "machine_end_beep"}, "voice"),
    (without(VOICE, "AnsweredBy"), "voice"),  # no machine detection asked for
    (GATHER, "gather"),
    ({**GATHER, "Digits": "9"}, "gather"),
    (CALL_STATUS, "voice-status"),
    ({**CALL_STATUS, "CallStatus": "completed", "CallDuration": "41"}, "voice-status"),
])
def test_what_twilio_sends_is_taken(form, webhook):
    assert refusal(form, webhook, OURS) is None


RECUT = SID + "NumMedia0"  # NumMedia=0 moved into the end of the MessageSid: same signature


@pytest.mark.parametrize(("form", "webhook", "reason"), [
    ({**without(SMS, "NumMedia"), "MessageSid": RECUT}, "sms", "NumMedia is missing"),
    ({**SMS, "MessageSid": RECUT}, "sms", "MessageSid is not of Twilio's form"),
    ({**SMS, "SmsSid": SID + "SmsStatusreceived"}, "sms", "SmsSid is not of Twilio's form"),
    ({**SMS, "SmsMessageSid": SID[:-1]}, "sms", "SmsMessageSid is not of Twilio's form"),
    ({**SMS, "MessageSid": "SM" + "g" * 32}, "sms", "MessageSid is not of Twilio's form"),
    ({**SMS, "MessageSid": "XX" + "0" * 32}, "sms", "MessageSid is not of Twilio's form"),
    ({**SMS, "MessageSid": SID + "\n"}, "sms", "MessageSid is not of Twilio's form"),
    ({**SMS, "MessageSid": ""}, "sms", "MessageSid is not of Twilio's form"),
    ({**SMS, "NumMedia": "0NumSegments1"}, "sms", "NumMedia is not of Twilio's form"),
    ({**SMS, "NumMedia": "\u0660"}, "sms", "NumMedia is not of Twilio's form"),  # Arabic zero
    ({**SMS, "MessagingServiceSid": "MG" + "a" * 32 + "NumMedia0"}, "sms",
     "MessagingServiceSid is not of Twilio's form"),
    (without(SMS, "MessageSid"), "sms", "MessageSid is missing"),
    (without(SMS, "AccountSid"), "sms", "AccountSid is missing"),
    (without(SMS, "From"), "sms", "From is missing"),
    (without(SMS, "To"), "sms", "To is missing"),
    (without(SMS, "Body"), "sms", "Body is missing"),
    ({**SMS, "AccountSid": "AC" + "f" * 32}, "sms", "AccountSid is not our account"),
    ({**SMS, "AccountSid": "AC123"}, "sms", "AccountSid is not of Twilio's form"),
    (without(STATUS, "MessageStatus"), "status", "MessageStatus is missing"),
    ({**without(STATUS, "MessageStatus"), "MessageSid": SID + "MessageStatusdelivered"},
     "status", "MessageStatus is missing"),
    ({**STATUS, "MessageStatus": "deliveredSmsSid" + SID}, "status",
     "MessageStatus is not of Twilio's form"),
    ({**STATUS, "ErrorCode": "30003From+12125550199"}, "status",
     "ErrorCode is not of Twilio's form"),
    (without(STATUS, "MessageSid"), "status", "MessageSid is missing"),
    (without(STATUS, "AccountSid"), "status", "AccountSid is missing"),
    ({**STATUS, "AccountSid": "AC" + "1" * 32}, "status", "AccountSid is not our account"),
    (without(VOICE, "CallSid"), "voice", "CallSid is missing"),
    ({**VOICE, "CallSid": CALL + "Digits1"}, "voice", "CallSid is not of Twilio's form"),
    ({**VOICE, "AnsweredBy": "human Digits 1"}, "voice", "AnsweredBy is not of Twilio's form"),
    (without(GATHER, "Digits"), "gather", "Digits is missing"),
    ({**GATHER, "Digits": "1CallStatusbusy"}, "gather", "Digits is not of Twilio's form"),
    ({**CALL_STATUS, "CallStatus": "busyCallSid" + CALL}, "voice-status",
     "CallStatus is not of Twilio's form"),
    ({**CALL_STATUS, "AccountSid": "AC" + "1" * 32}, "voice-status",
     "AccountSid is not our account"),
])
def test_a_form_twilio_never_sends_is_refused_naming_the_field(form, webhook, reason):
    assert refusal(form, webhook, OURS) == reason


def test_with_no_account_configured_any_well_formed_account_is_taken():
    other = {**SMS, "AccountSid": "AC" + "f" * 32}
    assert refusal(other, "sms", None) is None
    assert refusal({**SMS, "AccountSid": "AC0"}, "sms", None) == (
        "AccountSid is not of Twilio's form")


def test_the_reason_never_shows_a_value():
    reason = refusal({**SMS, "MessageSid": "+13475550140"}, "sms", OURS)
    assert reason is not None and "+1347" not in reason
