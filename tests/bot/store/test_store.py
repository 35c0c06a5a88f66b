"""The store, on SQLite and on PostgreSQL alike: incidents once, numbers unique, sends claimed once."""

import asyncio
from datetime import UTC, datetime, timedelta

import redis
from sqlalchemy import text, update

from alerts.chains import alert_chain, followup_chains
from alerts.incident import parse_incident
from alerts.outbound import Outbound
from bot.config.settings import Settings
from bot.services.ingest import Ingest
from bot.services.live_sites import LiveSites
from bot.store import chains, inbound, incidents
from bot.store.deliveries import DeliveryStore
from bot.store.dialect import lock_keys
from bot.store.engine import open_engine
from bot.store.incidents import IncidentStore
from bot.store.migrate import pending, upgrade
from bot.store.outbox import OutboxStore
from bot.store.pages import insert_messages
from bot.store.schema import pages
from tests.alerts.sitebuilder import SITES

NOW = datetime(2026, 7, 5, 3, 15, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def incident(incident_id: str = "I-1", **fields):
    return parse_incident({"id": incident_id, "occurred_at": "2026-07-04T23:15:00-04:00",
                           "lat": 40.67, "lon": -73.89, **fields})


class Recorded:
    """What ingest stored and left for rq, as the store tests read it."""

    def __init__(self, outcome, work):
        self.teams, self.deliveries, self.duplicate = outcome.teams, outcome.deliveries, \
            outcome.duplicate
        self.keys, self.due = tuple(work.sends), tuple(work.steps)


async def record(store: IncidentStore, incident_id: str = "I-1", **fields):
    # Ingest's unit of work without its hand-off to rq: the Redis client is never used.
    ingest = Ingest(store.engine, LiveSites(SITES), redis.Redis(), lambda: NOW)
    return Recorded(*await ingest.record(incident(incident_id, **fields)))


async def test_an_incident_is_stored_once_and_its_duplicate_changes_nothing(engine):
    store = IncidentStore(engine)
    first = await record(store)
    assert (first.teams, first.deliveries, first.duplicate) == (("eny",), 3, False)
    assert len(first.keys) == 3
    again = await record(store)
    assert (again.teams, again.deliveries, again.duplicate, again.keys) == (("eny",), 3, True, ())
    view = await store.view("I-1")
    assert len(view["deliveries"]) == 3
    assert [e["action"] for e in view["timeline"]] == ["received", "routed", "paged"]


async def test_a_member_gets_the_lowest_free_short_number_among_open_alerts(engine):
    store = IncidentStore(engine)
    await record(store, "I-1")
    await record(store, "I-2")
    numbers = {p["incident_id"]: p["number"] for p in (await store.view("I-1"))["pages"]
               + (await store.view("I-2"))["pages"] if p["name"] == "Ray Ortiz"}
    assert numbers == {"I-1": 1, "I-2": 2}
    async with engine.begin() as conn:
        await conn.execute(update(pages).where(pages.c.incident_id == "I-1").values(open=False))
    await record(store, "I-3")
    ray = [p for p in (await store.view("I-3"))["pages"] if p["name"] == "Ray Ortiz"]
    assert ray[0]["number"] == 1


async def test_concurrent_incidents_never_share_a_members_short_number(engine):
    store = IncidentStore(engine)
    await asyncio.gather(*(record(store, f"I-{n}") for n in range(6)))
    numbers = [p["number"] for n in range(6) for p in (await store.view(f"I-{n}"))["pages"]
               if p["name"] == "Ray Ortiz"]
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]


async def test_a_delivery_is_claimed_by_one_worker_only(engine):
    store = IncidentStore(engine)
    key = (await record(store)).keys[0]
    deliveries = DeliveryStore(engine)
    first, second = await asyncio.gather(deliveries.claim(key, NOW, LEASE),
                                         deliveries.claim(key, NOW, LEASE))
    assert sorted([first.state, second.state]) == ["busy", "claimed"]


async def test_a_claim_left_past_its_lease_is_taken_over_once_to_be_resolved(engine):
    key = (await record(IncidentStore(engine))).keys[0]
    deliveries = DeliveryStore(engine)
    await deliveries.claim(key, NOW, LEASE)
    later = NOW + LEASE + timedelta(seconds=1)
    first, second = await asyncio.gather(deliveries.claim(key, later, LEASE),
                                         deliveries.claim(key, later, LEASE))
    assert sorted([first.state, second.state]) == ["busy", "resolve"]
    assert (await deliveries.get(key)).attempts == 2


async def test_an_unsure_delivery_is_resolved_on_its_next_attempt(engine):
    key = (await record(IncidentStore(engine))).keys[0]
    deliveries = DeliveryStore(engine)
    await deliveries.claim(key, NOW, LEASE)
    await deliveries.mark_unsure(key, NOW, NOW, "timeout")
    assert (await deliveries.claim(key, NOW, LEASE)).state == "resolve"


async def test_sent_is_final_and_status_callbacks_only_move_forward(engine):
    key = (await record(IncidentStore(engine))).keys[0]
    deliveries = DeliveryStore(engine)
    await deliveries.claim(key, NOW, LEASE)
    await deliveries.mark_sent(key, "SM123", NOW)
    assert (await deliveries.claim(key, NOW, LEASE)).state == "done"
    assert await deliveries.record_status("SM123", "delivered", None, NOW) is True
    assert await deliveries.record_status("SM123", "sent", None, NOW) is False
    assert (await deliveries.get(key)).status == "delivered"
    assert await deliveries.record_status("SM-unknown", "delivered", None, NOW) is False


async def test_stuck_deliveries_are_found_for_reconcile(engine):
    keys = (await record(IncidentStore(engine))).keys
    deliveries = DeliveryStore(engine)
    grace = timedelta(seconds=30)
    assert await deliveries.stuck(NOW, grace, LEASE) == []
    later = NOW + timedelta(minutes=5)
    assert sorted(d.message.key for d in await deliveries.stuck(later, grace, LEASE)) == sorted(keys)
    await deliveries.claim(keys[0], later, LEASE)
    await deliveries.mark_retry(keys[1], later, later + timedelta(hours=1), "429")
    await deliveries.claim(keys[2], later, LEASE)
    await deliveries.mark_sent(keys[2], "SM1", later)
    soon = later + timedelta(seconds=45)
    assert await deliveries.stuck(soon, grace, LEASE) == []
    much_later = later + timedelta(hours=2)
    assert sorted(d.message.key for d in await deliveries.stuck(much_later, grace, LEASE)) == \
        sorted(keys[:2])


async def test_a_broadcast_page_is_claimed_once_and_recorded_for_the_page(engine):
    messages = [Outbound(key=f"b-{n}", incident_id=None, kind="broadcast", channel="sms",
                         recipient=f"+1718555{n:04d}", body="Cooling center open",
                         sender="resident") for n in range(3)]
    async with engine.begin() as conn:
        await insert_messages(conn, messages, NOW, batch_id=7)
    deliveries = DeliveryStore(engine)
    first = await deliveries.claim_batch(7, NOW, 2)
    second = await deliveries.claim_batch(7, NOW, 2)
    assert sorted(d.message.key for d in first + second) == ["b-0", "b-1", "b-2"]
    assert len(first) == 2
    assert {(d.status, d.attempts) for d in first + second} == {("sending", 1)}
    assert await deliveries.claim_batch(7, NOW, 2) == []
    await deliveries.mark_all_sent([(first[0].message.key, "SM1")], NOW)
    await deliveries.mark_all_failed([first[1].message.key], NOW, "opted-out", "STOP")
    assert (await deliveries.get(first[0].message.key)).provider_id == "SM1"
    assert (await deliveries.get(first[1].message.key)).status == "failed"
    assert await deliveries.doubtful_in_batch(7, NOW, LEASE, 10) == []
    later = NOW + LEASE + timedelta(seconds=1)
    assert await deliveries.doubtful_in_batch(7, later, LEASE, 10) == [
        (second[0].message.key, "Cooling center open")]


async def test_the_opt_outs_of_a_page_of_numbers_are_found_per_sender_at_once(engine):
    async with engine.begin() as conn:
        await inbound.opt_out(conn, "+17185550001", "resident", NOW, "STOP")
    pairs = [("+17185550001", "resident"), ("+17185550001", "staff"),
             ("+17185550002", "resident")]
    assert await DeliveryStore(engine).opted_out_among(pairs) == {("+17185550001", "resident")}


async def test_the_outbox_keeps_one_message_per_key(engine):
    outbox = OutboxStore(engine)
    message = Outbound(key="k1", incident_id=None, kind="alert", channel="sms",
                       recipient="+12125550175", body="hello")
    first = await outbox.put(message, NOW)
    second = await outbox.put(message, NOW)
    assert first.id == second.id
    assert [e.key for e in await outbox.after(0)] == ["k1"]


async def test_text_is_stored_verbatim(engine):
    store = IncidentStore(engine)
    hostile = "'; DROP TABLE incidents;-- <script>alert(1)</script> \u202e"
    await record(store, location=hostile)
    assert (await store.view("I-1"))["incident"]["location"] == hostile.strip()


async def test_migrations_bring_an_empty_sqlite_database_to_the_current_schema(tmp_path):
    engine = open_engine(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}", pooled=False)
    try:
        assert await pending(engine) == ["0001", "0002", "0003", "0004", "0005", "0006",
                                     "0007", "0008", "0009", "0010", "0011", "0012"]
        await upgrade(engine)
        assert await pending(engine) == []
        await upgrade(engine)  # running it again is harmless
    finally:
        await engine.dispose()


async def test_the_postgresql_database_is_migrated_to_the_current_schema(postgres_url):
    engine = open_engine(Settings(database_url=postgres_url).sqlalchemy_url, pooled=False)
    try:
        assert await pending(engine) == []
    finally:
        await engine.dispose()


async def test_open_near_reads_the_open_incidents_around_the_place_and_time_only(engine):
    store = IncidentStore(engine)
    for incident_id, lat, lon in (("NEAR", 40.6730, -73.8900), ("FAR", 40.7200, -73.8900),
                                  ("EAST", 40.6700, -73.8000)):
        await record(store, incident_id, lat=lat, lon=lon)
    async with engine.connect() as conn:
        near = await incidents.open_near(conn, incident("NEW", lat=40.67, lon=-73.89),
                                         timedelta(hours=72))
    assert [item.id for item in near] == ["NEAR"]


async def test_a_new_incidents_chains_are_stored_each_with_its_own_id_and_start(engine):
    team = SITES.team("eny")
    plans = [alert_chain(team, NOW), *followup_chains(team, NOW, SITES.tz)]
    async with engine.begin() as conn:
        await incidents.insert(conn, incident("I-1"), False, NOW)
        # A plan repeated for the same key is stored once: the first one wins.
        due = await chains.create(conn, "I-1", [*plans, plans[0]], fresh=True)
        stored = {chain.id: chain for chain in await chains.of_incident(conn, "I-1")}
    expected = [p for p in plans if p.first_at is not None]
    assert len(due) == len(stored) == len(expected) > 1
    for item_due, chain_plan in zip(due, expected, strict=True):
        chain = stored[item_due.chain_id]
        assert (chain.kind, chain.subject, chain.next_step, chain.next_at) == (
            chain_plan.kind, chain_plan.subject, 0, chain_plan.first_at)
        assert (item_due.step, item_due.at) == (0, chain_plan.first_at)


async def test_ingest_hands_each_stored_chains_first_step_to_rq(engine):
    recorded = await record(IncidentStore(engine), "I-1")
    async with engine.connect() as conn:
        stored = {chain.id: chain for chain in await chains.of_incident(conn, "I-1")}
    assert len(recorded.due) == len(stored) > 1
    for item_due in recorded.due:
        chain = stored[item_due.chain_id]
        assert (item_due.step, item_due.at) == (0, chain.next_at)


async def test_locked_keys_stay_locked_until_the_transaction_ends(postgres_url):
    engine = open_engine(Settings(database_url=postgres_url).sqlalchemy_url)
    probe = text("SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0))")
    try:
        async with engine.begin() as holder:
            await lock_keys(holder, ["short-number:b", "short-number:a", "short-number:b"])
            async with engine.begin() as other:
                for key in ("short-number:a", "short-number:b"):
                    assert await other.scalar(probe, {"key": key}) is False
                assert await other.scalar(probe, {"key": "short-number:c"}) is True
        async with engine.begin() as other:
            assert await other.scalar(probe, {"key": "short-number:a"}) is True
    finally:
        await engine.dispose()
