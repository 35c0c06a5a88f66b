"""The report's facts read from the store, on SQLite and on PostgreSQL alike: incidents recorded and
answered through the same store and actions the app uses, a month window at local midnight."""

from datetime import UTC, date, datetime, timedelta

import redis

from alerts.incident import parse_incident
from alerts.reports import as_json
from alerts.states import StepStatus
from bot.services import actions
from bot.services.ingest import Ingest
from bot.services.live_sites import LiveSites
from bot.services.reports import build_report
from bot.store import takedowns as plans
from bot.store.pages import all_pages, incident
from bot.store.schema import incident_teams, incidents
from tests.alerts.sitebuilder import NY, SITES

JULY = (date(2026, 7, 1), date(2026, 8, 1))
NOW = datetime(2026, 7, 5, 3, 15, tzinfo=UTC)  # Saturday 4 July, 23:15 in New York
AS_OF = NOW + timedelta(days=5)
ENY, BVL, JAM = (40.67, -73.89), (40.67, -73.91), (40.6915, -73.7925)


async def received(engine, incident_id: str, at: datetime, where=ENY,
                   occurred: datetime | None = None) -> None:
    """Record an incident as ingest does: routed, paged, with its escalation and follow-ups."""
    item = parse_incident({"id": incident_id, "lat": where[0], "lon": where[1],
                           "occurred_at": (occurred or at - timedelta(minutes=5)).isoformat()})
    # Ingest's unit of work without its hand-off to rq: the Redis client is never used.
    await Ingest(engine, LiveSites(SITES), redis.Redis(), lambda: at).record(item)


async def answer(engine, incident_id: str, name: str, at: datetime, action, *args) -> None:
    """`name` acts on their page of the incident at `at`, as an SMS reply would."""
    async with engine.begin() as conn:
        page = next(p for p in await all_pages(conn, incident_id) if p.name == name)
        subject = await incident(conn, incident_id)
        await action(conn, actions.Act(page, subject, SITES, at), *args)


async def takedown(engine, on: date, team: str, sent: int, confirmed: int, steps: int = 4) -> None:
    """A plan with `steps` team steps (and one for residents), `sent` of them sent as reminders,
    the first `confirmed` of those confirmed by the team."""
    at = datetime.combine(on, datetime.min.time(), tzinfo=NY) + timedelta(hours=18)
    async with engine.begin() as conn:
        plan_id = await plans.insert_plan(conn, {
            "area": team, "area_label": team, "date": on, "playbook": "default", "teams": [team],
            "created_by": "Dana Reyes", "created_at": NOW})
        rows = [{"takedown_id": plan_id, "position": n, "team_id": team, "audience": "team",
                 "at": at + timedelta(days=n), "text": "x", "status": "scheduled"}
                for n in range(steps)]
        rows.append({**rows[0], "position": steps, "audience": "residents", "status": "sent"})
        for n, step in enumerate(await plans.insert_steps(conn, rows)):
            if n >= sent or step.audience != "team":
                continue
            subject = f"TD{plan_id}-{n}-{team}"
            await conn.execute(incidents.insert().values(
                id=subject, occurred_at=step.at, received_at=step.at, fatal=False, victims=0,
                status="open", unrouted=False, kind="takedown", takedown_id=plan_id))
            await conn.execute(incident_teams.insert().values(
                incident_id=subject, team_id=team, reason="takedown",
                acked_at=step.at + timedelta(minutes=3) if n < confirmed else None))
            await plans.move_step(conn, step.id, StepStatus.SENT, sent_at=step.at, subject_id=subject)


async def test_a_month_of_one_teams_work_reads_as_a_manager_would_report_it(engine):
    await received(engine, "I-1", NOW)
    await answer(engine, "I-1", "Ray Ortiz", NOW + timedelta(minutes=4), actions.acknowledge)
    await answer(engine, "I-1", "Ray Ortiz", NOW + timedelta(minutes=20), actions.on_scene)
    await answer(engine, "I-1", "Ray Ortiz", NOW + timedelta(hours=25), actions.note, "calm")
    await answer(engine, "I-1", "Ray Ortiz", NOW + timedelta(days=4), actions.close, "mediated", "")
    await received(engine, "I-2", NOW + timedelta(hours=1))
    await answer(engine, "I-2", "Ray Ortiz", NOW + timedelta(hours=1, minutes=12),
                 actions.acknowledge)
    await takedown(engine, date(2026, 7, 6), "eny", sent=2, confirmed=1)

    rows = as_json(await build_report(engine, NY, *JULY, now=AS_OF))

    assert rows == [{
        "team": "eny", "month": "2026-07", "incidents": 2,
        "ack_median_min": 8.0, "ack_p90_min": 11.2, "acked_10min_pct": 50.0,
        "scene_median_min": 20.0, "scene_p90_min": 20.0,
        "mediated": 1, "hospital_visit": 0, "referred": 0, "no_contact": 0, "other": 0,
        "still_open": 1,
        # I-1: the 24h check-in answered by a note, the 72h one by the close; I-2: neither.
        "followups_due": 4, "followups_done": 2,
        "takedowns": 1, "takedown_steps_sent": 2, "takedown_steps_answered": 1,
    }]


async def test_the_window_runs_from_local_midnight_to_local_midnight(engine):
    june_30_late = datetime(2026, 7, 1, 3, 59, tzinfo=UTC)  # 23:59 EDT on 30 June
    july_1_midnight = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)
    july_31_late = datetime(2026, 8, 1, 3, 59, tzinfo=UTC)
    august_1_midnight = datetime(2026, 8, 1, 4, 0, tzinfo=UTC)
    for n, occurred in enumerate((june_30_late, july_1_midnight, july_31_late, august_1_midnight)):
        await received(engine, f"J-{n}", occurred + timedelta(minutes=1), JAM, occurred)
    await takedown(engine, date(2026, 6, 30), "jam", sent=1, confirmed=1)
    await takedown(engine, date(2026, 7, 31), "jam", sent=0, confirmed=0)
    await takedown(engine, date(2026, 8, 1), "jam", sent=1, confirmed=0)

    rows = await build_report(engine, NY, *JULY, now=AS_OF + timedelta(days=30))

    assert [(r.team, r.month, r.incidents, r.takedowns) for r in rows] == [("jam", "2026-07", 2, 1)]


async def test_one_team_only_and_an_empty_database(engine):
    assert await build_report(engine, NY, *JULY, now=AS_OF) == []
    await received(engine, "I-1", NOW)
    await received(engine, "I-2", NOW, BVL)
    everyone = await build_report(engine, NY, *JULY, now=AS_OF)
    assert [(r.team, r.incidents) for r in everyone] == [("bvl", 1), ("eny", 1)]
    bvl = await build_report(engine, NY, *JULY, now=AS_OF, team="bvl")
    assert [(r.team, r.incidents, r.ack_median, r.acked_in_target_share, r.followups_due)
            for r in bvl] == [("bvl", 1, None, 0, 2)]
    assert await build_report(engine, NY, *JULY, now=AS_OF, team="nobody") == []


async def test_takedown_reminders_answered_by_the_team_are_not_counted_as_shootings(engine):
    await takedown(engine, date(2026, 7, 6), "eny", sent=3, confirmed=3)
    rows = await build_report(engine, NY, *JULY, now=AS_OF)
    assert [(r.incidents, r.ack_median, r.takedowns, r.takedown_steps_sent,
             r.takedown_steps_answered) for r in rows] == [(0, None, 1, 3, 3)]
