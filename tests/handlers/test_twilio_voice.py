"""The TwiML a call gets: the message inside a one-key gather, once more if no key is pressed,
then goodbye; a message without keys is said and hung up."""

from xml.etree import ElementTree

from bot.services.voice_calls import Script
from handlers.twilio_voice import twiml


def parsed(text):
    return ElementTree.fromstring(text)  # noqa: S314 (our own TwiML, in a test)


def test_a_message_with_keys_gathers_one_key_then_comes_back_once():
    root = parsed(twiml(Script("Alert near E 138 St & Willis Ave.", ("1", "9")), "repage-voice-ab"))
    gather = root.find("Gather")
    assert gather is not None
    assert (gather.get("numDigits"), gather.get("action")) == (
        "1", "/twilio/voice/gather?key=repage-voice-ab")
    assert gather.find("Say").text == "Alert near E 138 St & Willis Ave."  # escaped, read back
    assert root.find("Redirect").text == "/twilio/voice?key=repage-voice-ab&again=1"


def test_the_second_time_round_it_says_goodbye_instead_of_coming_back():
    root = parsed(twiml(Script("Alert.", ("1",)), "k", again=True))
    assert root.find("Redirect") is None
    assert [say.text for say in root.iter("Say")][-1] == (
        "No key was pressed. Please check your texts. Goodbye.")
    assert root.find("Hangup") is not None


def test_a_message_without_keys_is_said_and_hung_up():
    root = parsed(twiml(Script("This call is no longer current. Goodbye."), "k"))
    assert root.find("Gather") is None
    assert [child.tag for child in root] == ["Say", "Hangup"]
