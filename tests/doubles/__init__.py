"""Loopback doubles of the Twilio and Slack HTTP APIs, for tests that use the real SDKs."""

from tests.doubles.slack_api import SlackApiDouble
from tests.doubles.twilio_api import SentMessage, TwilioApiDouble

__all__ = ["SentMessage", "SlackApiDouble", "TwilioApiDouble"]
