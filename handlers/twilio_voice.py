"""Twilio's voice webhooks for the calls cmsbot places: what to say, the key pressed, the outcome.

Verified like the SMS webhooks (the signature covers the query, so the delivery key in it is
Twilio's own copy of what the call was created with). A caller is on the line: these answer
at once, never deferred, and a call whose page is gone is told so and hung up.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web
from twilio.twiml.voice_response import VoiceResponse

from bot.notify.twilio_voice import GATHER_PATH, VOICE_PATH
from bot.services.voice_calls import Script
from handlers import keys
from handlers.twilio_webhooks import apply_status, verified_form

# Seconds to wait for a key after the message; then it is said once more, then goodbye.
KEY_WAIT = 8
_VOICE = "Polly.Joanna"  # a clear voice at night; any of Twilio's voices would do


async def voice(request: web.Request) -> web.Response:
    """The call was answered: say the alert and gather a key, or leave a voicemail."""
    form = await verified_form(request, "voice")
    key = request.query.get("key", "")
    async with request.app[keys.ADMISSION].inline("twilio-voice"):
        script = await request.app[keys.SERVICES].voice_calls.answered(
            key, form["CallSid"], form.get("AnsweredBy", ""))
    return _twiml(script, key, again=request.query.get("again") == "1")


async def gather(request: web.Request) -> web.Response:
    """A key was pressed during the call."""
    form = await verified_form(request, "gather")
    key = request.query.get("key", "")
    async with request.app[keys.ADMISSION].inline("twilio-voice"):
        script = await request.app[keys.SERVICES].voice_calls.pressed(
            key, form["CallSid"], form["Digits"])
    return _twiml(script, key)


async def call_status(request: web.Request) -> web.Response:
    """How a call ended: busy, no-answer and failed move the escalation on at once."""
    form = await verified_form(request, "voice-status")
    return await apply_status(request, form["CallSid"], form["CallStatus"],
                              form.get("ErrorCode") or None)


def _twiml(script: Script, key: str, again: bool = False) -> web.Response:
    return web.Response(text=twiml(script, key, again), content_type="text/xml")


def twiml(script: Script, key: str, again: bool = False) -> str:
    """The TwiML for a script: the message inside a one-key <Gather>, then (no key pressed)
    the message once more, then goodbye."""
    response = VoiceResponse()
    if not script.keys:
        response.say(script.say, voice=_VOICE)
        response.hangup()
        return str(response)
    action = f"{GATHER_PATH}?key={quote(key)}"
    with response.gather(num_digits=1, action=action, method="POST", timeout=KEY_WAIT,
                         finish_on_key="") as keys_pressed:
        keys_pressed.say(script.say, voice=_VOICE)
    if again:
        response.say("No key was pressed. Please check your texts. Goodbye.", voice=_VOICE)
        response.hangup()
    else:
        response.redirect(f"{VOICE_PATH}?key={quote(key)}&again=1", method="POST")
    return str(response)
