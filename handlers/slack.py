"""Slack listeners: `/cms`, the post buttons and their modals. Each acks first, then works.

Registered on the Bolt app by `register(bolt, desk)` from the app factory, not by import.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from alerts.action_results import StaffAction
from alerts.replies import OUTCOMES
from alerts.slack_blocks import ACTIONS, DUPLICATE_ACTIONS, REMINDER_ACTIONS, read_button_value
from alerts.slash import Command, parse_command
from alerts.states import DuplicateDecision
from bot.services.people_reports import PeopleReports
from bot.services.slack_desk import SlackDesk
from handlers.slack_report import open_report, submitted

log = logging.getLogger(__name__)
_BUTTON_ACTION: dict[str, StaffAction] = {"cms_ack": "ack", "cms_scene": "scene"}
_DECISIONS = {"cms_merge": DuplicateDecision.MERGED, "cms_separate": DuplicateDecision.SEPARATE}


def register(bolt: AsyncApp, desk: SlackDesk, reports: PeopleReports) -> None:
    """Wire the listeners to the Bolt app."""

    @bolt.command("/cms")
    async def cms(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                  client: AsyncWebClient) -> None:
        await ack()
        parsed = parse_command(command.get("text") or "")
        if isinstance(parsed, Command) and parsed.name == "new":
            await open_report(command, respond, client, reports)
            return
        answer = await desk.command(command["user_id"], command.get("text") or "")
        await respond(text=answer.text, blocks=list(answer.blocks) or None,
                      response_type="ephemeral")

    @bolt.action("cms_broadcast_confirm")
    async def send_broadcast(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                             respond: AsyncRespond) -> None:
        await ack()
        answer = await desk.confirm_broadcast(body["user"]["id"], action.get("value", ""))
        await respond(text=answer.text, response_type="ephemeral", replace_original=False)

    @bolt.action("cms_td_confirm")
    async def confirm(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                      respond: AsyncRespond) -> None:
        await ack()
        answer = await desk.confirm_past(body["user"]["id"], action.get("value", ""))
        await respond(text=answer.text, response_type="ephemeral", replace_original=True)

    async def button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                     respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        try:
            incident_id, team_id = read_button_value(action.get("value", ""))
        except ValueError:
            await respond(text="That button is not one of cmsbot's.", response_type="ephemeral",
                          replace_original=False)
            return
        user = body["user"]["id"]
        if action["action_id"] in ("cms_close", "cms_need", "cms_report"):
            # Closing asks for the outcome, support for what is needed, a report for the words.
            context = {"incident": incident_id, "team": team_id,
                       "channel": (body.get("channel") or {}).get("id", "")}
            await client.views_open(trigger_id=body["trigger_id"],
                                    view=_modal(action["action_id"], context))
            return
        answer = await desk.act(user, incident_id, team_id, _BUTTON_ACTION[action["action_id"]])
        await respond(text=answer, response_type="ephemeral", replace_original=False)

    for action_id in {**ACTIONS, **REMINDER_ACTIONS}:
        bolt.action(action_id)(button)

    async def duplicate(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                        respond: AsyncRespond) -> None:
        await ack()
        try:
            incident_id, _team = read_button_value(action.get("value", ""))
        except ValueError:
            await respond(text="That button is not one of cmsbot's.", response_type="ephemeral",
                          replace_original=False)
            return
        answer = await desk.decide_duplicate(body["user"]["id"], incident_id,
                                             _DECISIONS[action["action_id"]])
        await respond(text=answer, response_type="ephemeral", replace_original=False)

    for action_id in DUPLICATE_ACTIONS:
        bolt.action(action_id)(duplicate)

    @bolt.view("cms_new")
    async def new_report(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                         client: AsyncWebClient) -> None:
        await submitted(ack, body, view, client, reports)

    @bolt.view("cms_close")
    async def closed(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                     client: AsyncWebClient) -> None:
        await ack()
        values = view["state"]["values"]
        outcome = values["outcome"]["outcome"]["selected_option"]["value"]
        note = values.get("note", {}).get("note", {}).get("value") or ""
        await _answer_in_channel(client, body, view, "close", desk, outcome=outcome, text=note)

    @bolt.view("cms_need")
    async def needed(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                     client: AsyncWebClient) -> None:
        text = (view["state"]["values"]["need"]["need"].get("value") or "").strip()
        if not text:
            await ack(response_action="errors", errors={"need": "Say what support you need."})
            return
        await ack()
        await _answer_in_channel(client, body, view, "need", desk, text=text)

    @bolt.view("cms_report")
    async def reported(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                       client: AsyncWebClient) -> None:
        text = (view["state"]["values"]["report"]["report"].get("value") or "").strip()
        if not text:
            await ack(response_action="errors", errors={"report": "Write a short report."})
            return
        await ack()
        await _answer_in_channel(client, body, view, "note", desk, text=text)


async def _answer_in_channel(client: AsyncWebClient, body: dict[str, Any], view: dict[str, Any],
                             action: StaffAction, desk: SlackDesk, outcome: str | None = None,
                             text: str = "") -> None:
    context = json.loads(view.get("private_metadata") or "{}")
    user = body["user"]["id"]
    answer = await desk.act(user, context.get("incident", ""), context.get("team") or None,
                            action, text, outcome)
    if context.get("channel"):
        await client.chat_postEphemeral(channel=context["channel"], user=user, text=answer)


def _modal(action_id: str, context: dict[str, str]) -> dict[str, Any]:
    metadata = json.dumps(context)
    if action_id == "cms_close":
        options = [{"text": {"type": "plain_text", "text": o}, "value": o} for o in OUTCOMES]
        return {"type": "modal", "callback_id": "cms_close", "private_metadata": metadata,
                "title": {"type": "plain_text", "text": "Close incident"},
                "submit": {"type": "plain_text", "text": "Close"},
                "blocks": [
                    {"type": "input", "block_id": "outcome",
                     "label": {"type": "plain_text", "text": "Outcome"},
                     "element": {"type": "static_select", "action_id": "outcome",
                                 "options": options}},
                    {"type": "input", "block_id": "note", "optional": True,
                     "label": {"type": "plain_text", "text": "Note"},
                     "element": {"type": "plain_text_input", "action_id": "note",
                                 "multiline": True}}]}
    if action_id == "cms_report":
        return {"type": "modal", "callback_id": "cms_report", "private_metadata": metadata,
                "title": {"type": "plain_text", "text": "Report"},
                "submit": {"type": "plain_text", "text": "Send"},
                "blocks": [{"type": "input", "block_id": "report",
                            "label": {"type": "plain_text", "text": "What happened?"},
                            "element": {"type": "plain_text_input", "action_id": "report",
                                        "multiline": True}}]}
    return {"type": "modal", "callback_id": "cms_need", "private_metadata": metadata,
            "title": {"type": "plain_text", "text": "Need support"},
            "submit": {"type": "plain_text", "text": "Ask"},
            "blocks": [{"type": "input", "block_id": "need",
                        "label": {"type": "plain_text", "text": "What support do you need?"},
                        "element": {"type": "plain_text_input", "action_id": "need"}}]}
