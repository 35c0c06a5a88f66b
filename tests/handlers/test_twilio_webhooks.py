"""The TwiML we write by hand is byte for byte what twilio's MessagingResponse would print."""

import pytest
from twilio.twiml.messaging_response import MessagingResponse

from handlers.twilio_webhooks import twiml


@pytest.mark.parametrize("reply", [
    None, "", "CMS: #12 acknowledged. Reply 12S when on scene, 12N to add a note.",
    'a & b <c> "d" \'e\' > f', "é ñ 中文 🚑", "two\nlines\r\n\ttabbed", "]]> <![CDATA[ x",
])
def test_twiml_matches_the_twilio_library(reply):
    expected = MessagingResponse()
    if reply:
        expected.message(reply)
    assert twiml(reply) == str(expected)
