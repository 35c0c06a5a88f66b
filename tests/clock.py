"""One clock for the app, the jobs and rq's scheduler, that tests move instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from bot.queue.connection import QUEUES, connect, queue

NEW_YORK = ZoneInfo("America/New_York")


def next_saturday_night() -> datetime:
    """The next Saturday 23:20 in New York (a fixed place in the week, always in the future)."""
    local = datetime.now(NEW_YORK) + timedelta(days=1)
    while local.weekday() != 5:
        local += timedelta(days=1)
    return local.replace(hour=23, minute=20, second=0, microsecond=0).astimezone(UTC)


def from_start(delta: timedelta) -> str:
    """An incident's `occurred_at` this far from the tests' clock's start (next Saturday
    23:20): incidents must be fresh on that clock to page (CMSBOT_PAGE_WITHIN)."""
    return (next_saturday_night() + delta).astimezone(NEW_YORK).isoformat()


def minutes_ago(minutes: int = 5) -> str:
    """An `occurred_at` shortly before now on the real clock, for processes that read it."""
    return (datetime.now(NEW_YORK) - timedelta(minutes=minutes)).isoformat()


class FakeClock:
    """Now, as the test says. `advance` also makes rq's scheduled jobs due up to the new now."""

    def __init__(self, start: datetime, redis_url: str) -> None:
        self.start = start
        self.now = start
        self.redis_url = redis_url

    def set_local(self, days_after_start: int, hour: int, minute: int = 0) -> None:
        """Move to hour:minute New York time, `days_after_start` calendar days after the start."""
        start_day = self.start.astimezone(NEW_YORK).date()
        target = datetime.combine(start_day + timedelta(days=days_after_start),
                                  datetime.min.time(), tzinfo=NEW_YORK).replace(hour=hour,
                                                                                minute=minute)
        self.advance(target.astimezone(UTC) - self.now)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        """Move time on; rq's scheduler will see every job due by then as due now."""
        self.now += delta
        connection = connect(self.redis_url)
        try:
            for name in QUEUES:
                registry = ScheduledJobRegistry(queue=queue(connection, name))
                for job_id in registry.get_jobs_to_schedule(int(self.now.timestamp())):
                    job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
                    registry.schedule(job, datetime.now(UTC) - timedelta(seconds=1))
        finally:
            connection.close()

    def scheduled(self) -> dict[str, datetime]:
        """Every scheduled job and its time (what rq's scheduler is waiting for)."""
        connection = connect(self.redis_url)
        try:
            found: dict[str, datetime] = {}
            for name in QUEUES:
                registry = ScheduledJobRegistry(queue=queue(connection, name))
                found.update({job_id: registry.get_scheduled_time(job_id)
                              for job_id in registry.get_job_ids()})
            return found
        finally:
            connection.close()
