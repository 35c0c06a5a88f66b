"""Inbound SMS when the database is away, on real processes: the webhook keeps the verified
message in Redis and says 503; once the database is back the worker stores it, acts on it once
and answers by SMS."""

from tests.conftest import STAFF_FROM
from tests.faults.test_faults import all_sent, incident, sms_statuses
from tests.polling import eventually

RAY = "+12125550175"  # man-up-eny: the East New York incident pages him first, as #1


async def test_a_reply_that_meets_a_database_outage_is_kept_and_answered_later(
        service, database_proxy, twilio):
    proxy, via_proxy = database_proxy
    service.extra["DATABASE_URL"] = via_proxy
    await service.start("serve")
    await service.start("worker")
    status, _, _ = await service.post("/api/incidents", incident(80))
    assert status == 202
    await eventually(lambda: sms_statuses(service, "NYPD-F80"), "the alerts", until=all_sent)
    await proxy.cut()
    status, answer = await twilio.send_inbound(f"{service.url}/twilio/sms", RAY, STAFF_FROM,
                                               "1a")
    assert status == 503 and "Traceback" not in answer
    await proxy.start()
    # The worker's reconcile (every 2 s here) stores the spooled message and answers it.
    await eventually(lambda: [m.body for m in twilio.sent_to(RAY)], "the answer by SMS",
                     until=lambda bodies: any(b.startswith("CMS: #1 acknowledged")
                                              for b in bodies), within=60)
    shown = await service.get("/api/incidents/NYPD-F80")
    acknowledged = [e for e in shown["timeline"] if e["action"] == "acknowledged"]
    assert [e["actor"] for e in acknowledged] == ["Ray Ortiz"]
