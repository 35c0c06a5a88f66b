"""What an action did, worded for SMS and for Slack from the same value."""

from datetime import UTC, datetime

import pytest

from alerts.action_results import ActionResult, Effect, is_staff_action, slack_reply, sms_reply
from tests.alerts.sitebuilder import NY

AT = datetime(2026, 7, 5, 3, 20, tzinfo=UTC)  # 11:20PM in New York


@pytest.mark.parametrize(("result", "sms"), [
    (ActionResult("ack", Effect.CHANGED, 12),
     "CMS: #12 acknowledged. Reply 12S when on scene, 12N to add a note."),
    (ActionResult("ack", Effect.CHANGED, 4, takedown=True),
     "CMS: #4 confirmed. Reply 4N with a short report."),
    (ActionResult("ack", Effect.REPEAT, 12),
     "CMS: #12 was already acknowledged. Reply 12S when on scene."),
    (ActionResult("scene", Effect.CHANGED, 12, at=AT, checkout_minutes=90),
     "CMS: #12 on scene at 11:20PM. Stay safe. Reply 12K when you leave (we check at 90 min)."),
    (ActionResult("scene", Effect.REPEAT, 12),
     "CMS: #12 was already marked on scene. Reply 12K when you leave."),
    (ActionResult("note", Effect.CHANGED, 3), "CMS: note added to #3."),
    (ActionResult("note", Effect.CHANGED, 4, takedown=True, reminder_done=True),
     "CMS: report added to #4; this reminder is done. Thank you."),
    (ActionResult("need", Effect.CHANGED, 3, supervisor_told=True),
     "CMS: support request for #3 sent to your supervisor and the coordinators."),
    (ActionResult("need", Effect.CHANGED, 3), "CMS: support request for #3 sent to the coordinators."),
    (ActionResult("close", Effect.CHANGED, 3, outcome="mediated"),
     "CMS: #3 closed (mediated). Thank you."),
    (ActionResult("safe", Effect.CHANGED, 3), "CMS: #3 checked out. Glad you're safe."),
    (ActionResult("safe", Effect.REFUSED, 3, reason="nothing to check out of"),
     "CMS: #3: nothing to check out of. Reply 3S when you arrive on scene."),
])
def test_each_result_reads_as_the_sms_reply(result: ActionResult, sms: str) -> None:
    assert sms_reply(result, NY) == sms


@pytest.mark.parametrize("result", [
    ActionResult("ack", Effect.REPEAT, 12),
    ActionResult("scene", Effect.REPEAT, 12),
    ActionResult("safe", Effect.REFUSED, 3, reason="nothing to check out of"),
])
def test_a_repeat_or_refusal_reads_the_same_in_slack_without_the_prefix(result: ActionResult) -> None:
    assert slack_reply(result, "NYPD-1", NY) == sms_reply(result, NY).removeprefix("CMS: ")
    assert not result.changed


def test_a_change_is_confirmed_in_slack_with_the_incident() -> None:
    result = ActionResult("close", Effect.CHANGED, 3, outcome="referred")
    assert slack_reply(result, "NYPD-261234567", NY) == "`NYPD-261234567` closed (referred)."
    assert result.changed


@pytest.mark.parametrize(("name", "expected"), [("ack", True), ("safe", True),
                                                 ("status", False), ("help", False)])
def test_status_and_help_are_not_actions_on_an_alert(name: str, expected: bool) -> None:
    assert is_staff_action(name) is expected
