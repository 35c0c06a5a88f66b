"""`/cms new`: the modal a coordinator or supervisor reports a shooting in, and its submission.

The modal's own view id is the report's nonce: submitting the same modal twice is one report.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from alerts.people_reports import SOURCES, ReportError, ReportForm
from bot.services.people_reports import NOT_ALLOWED, PeopleReports
from bot.store.outage import database_unreachable

_FIELDS = ("place", "cross_streets", "time", "victims", "source")


async def open_report(command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient,
                      reports: PeopleReports) -> None:
    """`/cms new`: the modal for those who may report, at once (its trigger lives 3 s)."""
    person = reports.sites.person_for_slack(command["user_id"])
    if person is None or not (person.is_coordinator or person.role == "supervisor"):
        await respond(text=NOT_ALLOWED, response_type="ephemeral")
        return
    await client.views_open(trigger_id=command["trigger_id"],
                            view=report_modal(command.get("channel_id", "")))


def report_modal(channel: str) -> dict[str, Any]:
    """The modal: place, cross streets, time, victims, fatal, source."""
    options = [{"text": {"type": "plain_text", "text": source}, "value": source}
               for source in SOURCES]
    return {
        "type": "modal", "callback_id": "cms_new",
        "private_metadata": json.dumps({"channel": channel}),
        "title": {"type": "plain_text", "text": "Report a shooting"},
        "submit": {"type": "plain_text", "text": "Report and page"},
        "blocks": [
            _text("place", "Where", "A team, precinct:75, nta:BK82, zip:11207 or 40.81, -73.92"),
            _text("cross_streets", "Cross streets", "e.g. Pitkin Ave & Rockaway Ave",
                  optional=True),
            _text("time", "When", "now, 23:15 or 11pm (city time)", optional=True),
            _text("victims", "Victims", "a number; 0 for shots fired; empty if unknown",
                  optional=True),
            {"type": "input", "block_id": "fatal", "optional": True,
             "label": {"type": "plain_text", "text": "Fatal"},
             "element": {"type": "checkboxes", "action_id": "fatal", "options": [
                 {"text": {"type": "plain_text", "text": "Someone died"}, "value": "fatal"}]}},
            {"type": "input", "block_id": "source",
             "label": {"type": "plain_text", "text": "Source"},
             "element": {"type": "static_select", "action_id": "source", "options": options,
                         "initial_option": options[0]}}]}


def form_of(view: dict[str, Any]) -> ReportForm:
    """The submitted modal's values as the report form."""
    values = view["state"]["values"]

    def text(name: str) -> str:
        element = values.get(name, {}).get(name, {})
        if name == "source":
            return str((element.get("selected_option") or {}).get("value") or "other")
        return str(element.get("value") or "")

    fatal = bool(values.get("fatal", {}).get("fatal", {}).get("selected_options"))
    return ReportForm(**{name: text(name) for name in _FIELDS}, fatal=fatal)


async def submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                    client: AsyncWebClient, reports: PeopleReports) -> None:
    """Report it: the modal shows the field that is wrong, or closes and the reporter is told."""
    person = reports.sites.person_for_slack(body["user"]["id"])
    try:
        if person is None:
            raise ReportError("reporter", NOT_ALLOWED)
        outcome = await reports.report(person, form_of(view), view.get("id") or "", "slack")
    except ReportError as exc:
        block = exc.field if exc.field in (*_FIELDS, "fatal") else "place"
        await ack(response_action="errors", errors={block: exc.message})
        return
    except Exception as exc:
        if not database_unreachable(exc):
            raise
        await ack(response_action="errors", errors={"place": "cmsbot cannot reach its "
                                                    "database: try again in a minute"})
        return
    await ack()
    teams = ", ".join(outcome.teams) or "the coordinators"
    said = (f"*{outcome.incident_id}* was already reported." if outcome.duplicate else
            f"Reported as *{outcome.incident_id}*: {teams} paged ({outcome.deliveries} "
            "messages).")
    channel = json.loads(view.get("private_metadata") or "{}").get("channel")
    if channel:
        await client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=said)


def _text(block: str, label: str, hint: str, optional: bool = False) -> dict[str, Any]:
    return {"type": "input", "block_id": block, "optional": optional,
            "label": {"type": "plain_text", "text": label},
            "hint": {"type": "plain_text", "text": hint},
            "element": {"type": "plain_text_input", "action_id": block}}
