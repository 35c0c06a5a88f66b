"""The job queues on the real Redis: one live job per piece of work, however often it is asked for.

Reconcile asks again for everything the database says is still to do, every couple of minutes;
ingest and the inbox ask for redraws at every tap. None of that may grow the queues: a backlog
is when a duplicate job hurts most.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from alerts.chains import Due
from bot.queue.connection import (
    enqueue_refresh,
    enqueue_sends,
    queue,
    schedule_steps,
    send_job_id,
    step_job_id,
)
from bot.queue.unique_jobs import free_id

LEASE = timedelta(minutes=1)
NOW = datetime(2026, 7, 4, 23, 20, tzinfo=UTC)


def job_ids(connection: redis.Redis, name: str) -> list[str]:
    return queue(connection, name).get_job_ids()


def start(connection: redis.Redis, job_id: str, started_ago: timedelta) -> None:
    """What a worker does on taking a job: off the queue, marked started at that time."""
    job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
    queue(connection, job.origin).remove(job)
    job.started_at = datetime.now(UTC) - started_ago
    job.set_status(JobStatus.STARTED)
    job.save()


def test_a_send_asked_for_twice_is_one_job(connection):
    assert enqueue_sends(connection, ["k1", "k2"]) == 2
    assert enqueue_sends(connection, ["k1", "k2"]) == 0
    assert job_ids(connection, "alerts") == [send_job_id("k1"), send_job_id("k2")]


def test_reconcile_leaves_jobs_waiting_behind_a_backlog_alone(connection):
    enqueue_sends(connection, [f"k{n}" for n in range(50)])
    for _ in range(3):  # three reconcile passes while the workers are busy elsewhere
        assert enqueue_sends(connection, [f"k{n}" for n in range(50)], stale_after=LEASE) == 0
    assert len(job_ids(connection, "alerts")) == 50


def test_a_job_a_dead_worker_left_started_is_taken_over_once(connection):
    enqueue_sends(connection, ["k1"])
    start(connection, send_job_id("k1"), started_ago=LEASE * 3)
    assert enqueue_sends(connection, ["k1"], stale_after=LEASE) == 1
    assert enqueue_sends(connection, ["k1"], stale_after=LEASE) == 0  # the take-over is queued
    [taken_over] = job_ids(connection, "alerts")
    assert taken_over.startswith(send_job_id("k1") + "-late")


def test_a_job_running_within_its_lease_is_not_taken_over(connection):
    enqueue_sends(connection, ["k1"])
    start(connection, send_job_id("k1"), started_ago=LEASE / 2)
    assert enqueue_sends(connection, ["k1"], stale_after=LEASE) == 0
    assert job_ids(connection, "alerts") == []


def test_a_finished_job_gives_its_id_back(connection):
    enqueue_sends(connection, ["k1"])
    job = Job.fetch(send_job_id("k1"), connection=connection, serializer=JSONSerializer)
    queue(connection, "alerts").remove(job)
    job.set_status(JobStatus.FINISHED)
    assert enqueue_sends(connection, ["k1"]) == 1
    assert job_ids(connection, "alerts") == [send_job_id("k1")]


def test_redraws_of_a_busy_incident_coalesce_into_two_jobs_at_most(connection):
    for _ in range(20):  # twenty taps while the first redraw waits
        enqueue_refresh(connection, ["NYPD-1"], NOW)
    [waiting] = job_ids(connection, "default")
    start(connection, waiting, started_ago=timedelta(seconds=1))
    for _ in range(20):  # twenty more while it runs: it may have read the state before them
        enqueue_refresh(connection, ["NYPD-1"], NOW)
    assert job_ids(connection, "default") == [waiting + "-again"]


def test_redraws_wait_behind_alerts_on_their_own_queue(connection):
    enqueue_refresh(connection, ["NYPD-1", "NYPD-2"], NOW)
    assert job_ids(connection, "alerts") == []
    assert len(job_ids(connection, "default")) == 2


def test_a_job_that_expired_as_it_was_looked_at_gives_its_id_back(connection):
    enqueue_sends(connection, ["k1"])
    job = Job.fetch(send_job_id("k1"), connection=connection, serializer=JSONSerializer)
    queue(connection, "alerts").remove(job)
    job.set_status(JobStatus.FINISHED)
    connection.hdel(job.key, "status")  # what is left of a job a worker touched as it expired
    assert enqueue_sends(connection, ["k1"]) == 1
    assert job_ids(connection, "alerts") == [send_job_id("k1")]


def test_a_job_made_live_again_by_another_request_is_never_deleted(connection):
    enqueue_sends(connection, ["k1"])
    job = Job.fetch(send_job_id("k1"), connection=connection, serializer=JSONSerializer)
    queue(connection, "alerts").remove(job)
    job.set_status(JobStatus.FINISHED)
    # Two requests saw it finished; the first frees the id and enqueues a new job...
    assert enqueue_sends(connection, ["k1"]) == 1
    # ...and the second, acting on what it saw, frees the id too: the new job must stay.
    free_id(queue(connection, "alerts"), send_job_id("k1"))
    assert job_ids(connection, "alerts") == [send_job_id("k1")]
    assert Job.fetch(send_job_id("k1"), connection=connection,
                     serializer=JSONSerializer).get_status() == JobStatus.QUEUED


def test_remains_of_a_job_without_its_data_give_the_id_back(connection):
    connection.hset("rq:job:" + send_job_id("k1"), mapping={"status": "started",
                                                             "worker_name": "gone"})
    assert enqueue_sends(connection, ["k1"]) == 1
    assert job_ids(connection, "alerts") == [send_job_id("k1")]


def test_an_escalation_step_asked_for_sooner_moves_to_the_sooner_time_then_to_now(connection):
    now = datetime.now(UTC)
    assert schedule_steps(connection, [Due(7, 1, now + timedelta(minutes=20))], now) == 1
    assert schedule_steps(connection, [Due(7, 1, now + timedelta(minutes=10))], now) == 1
    registry = queue(connection, "alerts").scheduled_job_registry
    # At the sooner time, cut down to its second: the scheduler hands it over within a second
    # either side, and the step waits out the rest (tests/bot/services/test_step_timing.py).
    sooner = registry.get_scheduled_time(step_job_id(7, 1))
    assert now + timedelta(minutes=10) - timedelta(seconds=1) < sooner <= now + timedelta(
        minutes=10)
    assert schedule_steps(connection, [Due(7, 1, now + timedelta(minutes=15))], now) == 0
    # Acknowledgement overdue by now: the step runs at once, not at its old time.
    assert schedule_steps(connection, [Due(7, 1, now)], now) == 1
    assert job_ids(connection, "alerts") == [step_job_id(7, 1)]
    assert registry.get_job_ids() == []
