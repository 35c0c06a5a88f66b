"""A chain step handed over a moment early (rq's scheduler works in whole seconds, cut down)
waits out the rest and runs on time: never before its time, and not a second late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from alerts.incident import parse_incident
from bot.queue.connection import connect
from bot.services.container import build_services
from bot.store.schema import chains, deliveries

VICTOR = "+13475550142"  # brag-mott-haven's supervisor in the sample sites


async def test_a_step_handed_over_early_runs_at_its_time_not_before(engine, settings,
                                                                    sample_sites, redis_url):
    connection = connect(redis_url)

    def clock() -> datetime:
        return datetime.now(UTC)

    services = build_services(settings, engine, sample_sites.sites, connection, clock)
    incident = {"id": "NYPD-1", "occurred_at": clock().isoformat(), "lat": 40.8105,
                "lon": -73.9235}
    await services.ingest.accept(parse_incident(incident))
    due = clock() + timedelta(milliseconds=600)
    async with engine.begin() as conn:
        chain_id = await conn.scalar(select(chains.c.id).where(chains.c.kind == "alert"))
        await conn.execute(update(chains).where(chains.c.id == chain_id).values(next_at=due))
    try:
        assert await services.escalator.run_step(chain_id, 0) == "ran"
        ran_at = clock()
    finally:
        connection.close()
    assert due <= ran_at < due + timedelta(seconds=1)
    async with engine.connect() as conn:
        told = await conn.scalars(select(deliveries.c.recipient).where(
            deliveries.c.kind == "escalation"))
        assert list(told) == [VICTOR]
