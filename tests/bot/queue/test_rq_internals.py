"""What cmsbot relies on in rq beyond its documented API, each as a plain fact about rq,
checked on the real Redis with real workers (bot/queue/rq_internals.py is where it is used).

An rq upgrade that changes one of these fails here, saying which: fix rq_internals.py (and
whatever relies on it) before the upgrade goes out, not after an alert went unsent.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from rq import Queue, Retry
from rq.job import JobStatus
from rq.serializers import JSONSerializer

from bot.queue.connection import queue
from bot.queue.rq_internals import (
    WORKERS_KEY,
    add_unique,
    delete_job_if,
    enqueue_now,
    fetch_job,
    job_key,
    queue_keys,
    reschedule,
    scheduled_time,
    status_of,
    statuses_of,
    stopped_on_request,
    worker_ttl_for_wait,
)
from tests.bot.queue.rq_workers import (
    ForkingProbe,
    SignalledInMaintenance,
    probe,
    terminate_once_idle,
    work_in_a_thread,
)

BROKEN = "rq no longer does what bot/queue/rq_internals.py relies on: "
JOBS = "tests.bot.queue.rq_jobs."
LATER = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


@pytest.fixture
def alerts(connection: redis.Redis) -> Queue:
    return queue(connection, "alerts")


@pytest.fixture
def main_thread() -> Iterator[None]:
    """For workers run in the test's own (main) thread: rq sets signal handlers there."""
    saved = {number: signal.getsignal(number)
             for number in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


def return_value(target: Queue, job_id: str) -> object:
    job = fetch_job(target, job_id)
    assert job is not None
    return job.return_value()


# The job hash and unique enqueues.

def test_a_job_is_a_hash_under_its_key_with_its_status_in_a_field(connection: redis.Redis,
                                                                  alerts: Queue) -> None:
    assert add_unique(alerts, JOBS + "succeed", (), "j1", None)
    assert connection.hget(job_key("j1"), "status") == b"queued", (
        BROKEN + "a job is a hash at Job.key_for(id) whose `status` field holds its status")


def test_a_unique_enqueue_writes_the_job_queued_or_scheduled_never_created(alerts: Queue) -> None:
    assert add_unique(alerts, JOBS + "succeed", (), "now", None)
    assert add_unique(alerts, JOBS + "succeed", (), "later", LATER)
    assert status_of(alerts, "now") == JobStatus.QUEUED, (
        BROKEN + "a unique enqueue stores the job queued at once")
    assert status_of(alerts, "later") == JobStatus.SCHEDULED, (
        BROKEN + "a unique enqueue_at stores the job scheduled at once")
    assert alerts.get_job_ids() == ["now"]
    later = fetch_job(alerts, "later")
    assert later is not None and scheduled_time(alerts, later) == LATER, (
        BROKEN + "a unique enqueue_at puts the job in its queue's scheduled registry at its time")


@pytest.mark.parametrize("stored", [*(status.value for status in JobStatus), None],
                         ids=[*(status.value for status in JobStatus), "remains"])
def test_a_unique_enqueue_refuses_an_id_whose_hash_exists_whatever_its_status(connection: redis.Redis,
                                                                              alerts: Queue,
                                                                              stored: str | None) -> None:
    if stored is None:  # what is left of a job a worker touched as it expired
        connection.hset(job_key("j1"), mapping={"worker_name": "gone"})
    else:
        add_unique(alerts, JOBS + "succeed", (), "j1", None)
        alerts.remove("j1")
        connection.hset(job_key("j1"), "status", stored)
    before = connection.hgetall(job_key("j1"))
    refused = (not add_unique(alerts, JOBS + "succeed", (), "j1", None)
               and not add_unique(alerts, JOBS + "succeed", (), "j1", LATER))
    assert refused, BROKEN + f"a unique enqueue refuses an id whose hash exists ({stored})"
    assert connection.hgetall(job_key("j1")) == before and alerts.get_job_ids() == []


def test_a_hash_without_its_data_is_no_job(connection: redis.Redis, alerts: Queue) -> None:
    connection.hset(job_key("j1"), mapping={"status": "started", "worker_name": "gone"})
    assert fetch_job(alerts, "j1") is None and status_of(alerts, "j1") is None, (
        BROKEN + "Job.fetch raises NoSuchJobError for a hash without `data`")


def test_a_job_hash_without_a_status_reads_created(connection: redis.Redis, alerts: Queue) -> None:
    add_unique(alerts, JOBS + "succeed", (), "j1", None)
    connection.hdel(job_key("j1"), "status")
    assert status_of(alerts, "j1") == JobStatus.CREATED, (
        BROKEN + "a fetched job whose hash has no `status` reads as created")


def test_statuses_of_reads_what_fetching_each_job_would_say_in_one_round_trip(
        connection: redis.Redis, alerts: Queue) -> None:
    add_unique(alerts, JOBS + "succeed", (), "queued", None)
    add_unique(alerts, JOBS + "succeed", (), "later", LATER)
    add_unique(alerts, JOBS + "crash", (), "failed", None)
    work_in_a_thread(probe(alerts))  # runs "queued" and "failed"; "later" stays scheduled
    ids = ["queued", "later", "failed", "missing"]
    assert statuses_of(alerts, ids) == [status_of(alerts, job_id) for job_id in ids] == [
        JobStatus.FINISHED, JobStatus.SCHEDULED, JobStatus.FAILED, None], (
        BROKEN + "a job's status is the `status` field of its hash")


def test_a_finished_job_keeps_its_status_for_result_ttl(connection: redis.Redis, alerts: Queue) -> None:
    add_unique(alerts, JOBS + "succeed", (), "j1", None, result_ttl=600)
    work_in_a_thread(probe(alerts))
    assert status_of(alerts, "j1") == JobStatus.FINISHED
    assert 0 < connection.ttl(job_key("j1")) <= 600, (
        BROKEN + "a finished job's hash expires after result_ttl")
    assert not add_unique(alerts, JOBS + "succeed", (), "j1", None), (
        BROKEN + "a finished job holds its id until its hash expires")


def test_a_failed_job_keeps_its_status_for_failure_ttl(connection: redis.Redis, alerts: Queue) -> None:
    add_unique(alerts, JOBS + "crash", (), "j1", None, result_ttl=600, failure_ttl=7 * 86400)
    work_in_a_thread(probe(alerts))
    assert status_of(alerts, "j1") == JobStatus.FAILED
    assert 600 < connection.ttl(job_key("j1")) <= 7 * 86400, (
        BROKEN + "a failed job's hash expires after failure_ttl")


@pytest.mark.parametrize(("func", "retry", "assumption"), [
    ("crash", Retry(max=1, interval=[60]),
     "rq retries a crashed job by scheduling the same job (so its id stays live)"),
    ("ask_again", None, "a job returning Retry(interval=...) is scheduled again under its id"),
], ids=["crashed", "returned-retry"])
def test_a_job_to_be_retried_is_scheduled_again_under_its_id(alerts: Queue, func: str,
                                                             retry: Retry | None,
                                                             assumption: str) -> None:
    options = {"retry": retry} if retry is not None else {}
    add_unique(alerts, JOBS + func, (), "j1", None, **options)
    work_in_a_thread(probe(alerts))
    job = fetch_job(alerts, "j1")
    assert job is not None and job.get_status(refresh=False) == JobStatus.SCHEDULED, (
        BROKEN + assumption)
    due = scheduled_time(alerts, job)
    assert due is not None and due > datetime.now(UTC) + timedelta(seconds=30)


def test_a_running_job_is_stored_started_with_its_start_time(alerts: Queue) -> None:
    add_unique(alerts, JOBS + "report_own_state", (), "j1", None)
    work_in_a_thread(probe(alerts))
    assert return_value(alerts, "j1") == ["started", True], (
        BROKEN + "while a job runs its hash says started and holds started_at")


def test_deleting_a_finished_job_frees_its_id_and_its_registry_entry(connection: redis.Redis,
                                                                     alerts: Queue) -> None:
    add_unique(alerts, JOBS + "succeed", (), "j1", None)
    work_in_a_thread(probe(alerts))
    assert "j1" in alerts.finished_job_registry
    delete_job_if(alerts, "j1", {JobStatus.FINISHED})
    assert not connection.exists(job_key("j1")), BROKEN + "Job.delete in a MULTI deletes the hash"
    assert "j1" not in alerts.finished_job_registry, (
        BROKEN + "Job.delete in a MULTI takes the job out of its registry")
    assert add_unique(alerts, JOBS + "succeed", (), "j1", None)


def test_a_job_of_another_status_is_not_deleted(alerts: Queue) -> None:
    add_unique(alerts, JOBS + "succeed", (), "j1", None)
    delete_job_if(alerts, "j1", {JobStatus.FINISHED})
    assert status_of(alerts, "j1") == JobStatus.QUEUED and alerts.get_job_ids() == ["j1"]


@pytest.mark.parametrize("missing", ["data", "status"])
def test_remains_of_a_job_are_deleted(connection: redis.Redis, alerts: Queue, missing: str) -> None:
    if missing == "status":
        add_unique(alerts, JOBS + "succeed", (), "j1", None)
        alerts.remove("j1")
        connection.hdel(job_key("j1"), "status")
    else:
        connection.hset(job_key("j1"), mapping={"worker_name": "gone"})
    delete_job_if(alerts, "j1", {JobStatus.FINISHED, JobStatus.CREATED})
    assert not connection.exists(job_key("j1"))


# Scheduled jobs.

def test_the_scheduler_moves_a_due_job_to_its_queue(alerts: Queue) -> None:
    add_unique(alerts, JOBS + "succeed", (), "j1", LATER)
    job = fetch_job(alerts, "j1")
    assert job is not None
    reschedule(alerts, job, datetime.now(UTC) - timedelta(seconds=1))  # what FakeClock does
    work_in_a_thread(probe(alerts), with_scheduler=True)
    assert status_of(alerts, "j1") == JobStatus.FINISHED, (
        BROKEN + "a burst worker with the scheduler enqueues (and runs) every due scheduled job")


def test_a_rescheduled_job_stays_scheduled_under_its_id_at_the_new_time(alerts: Queue) -> None:
    add_unique(alerts, JOBS + "succeed", (), "j1", LATER)
    job = fetch_job(alerts, "j1")
    assert job is not None
    reschedule(alerts, job, LATER - timedelta(hours=1))
    assert scheduled_time(alerts, job) == LATER - timedelta(hours=1)
    assert status_of(alerts, "j1") == JobStatus.SCHEDULED and alerts.get_job_ids() == []


def test_rq_keeps_a_scheduled_time_in_whole_seconds_cut_down(alerts: Queue) -> None:
    add_unique(alerts, JOBS + "succeed", (), "j1", LATER)
    job = fetch_job(alerts, "j1")
    assert job is not None
    alerts.scheduled_job_registry.schedule(job, LATER + timedelta(milliseconds=900))
    assert scheduled_time(alerts, job) == LATER, (
        BROKEN + "the scheduled registry scores a job by its time cut down to the second "
        "(not_before rounds up for it)")


def test_a_job_asked_for_within_a_second_is_handed_over_no_sooner_than_asked(alerts: Queue) -> None:
    # Scheduled at 00.9 and cut down to 00, a chain step would run early, find itself not due
    # and wait for reconcile: the escalation minutes late.
    asked = LATER + timedelta(milliseconds=900)
    add_unique(alerts, JOBS + "succeed", (), "j1", asked)
    job = fetch_job(alerts, "j1")
    assert job is not None
    assert scheduled_time(alerts, job) == LATER + timedelta(seconds=1)
    reschedule(alerts, job, asked - timedelta(hours=1))
    assert scheduled_time(alerts, job) == LATER + timedelta(seconds=1) - timedelta(hours=1)
    reschedule(alerts, job, LATER)  # a whole second stays as it is
    assert scheduled_time(alerts, job) == LATER


def test_a_scheduled_job_enqueued_now_is_queued_and_no_longer_scheduled(alerts: Queue) -> None:
    add_unique(alerts, JOBS + "succeed", (), "j1", LATER)
    job = fetch_job(alerts, "j1")
    assert job is not None
    enqueue_now(alerts, job)
    assert alerts.get_job_ids() == ["j1"] and status_of(alerts, "j1") == JobStatus.QUEUED, (
        BROKEN + "Queue.enqueue_job puts a fetched scheduled job on its queue, queued")
    assert scheduled_time(alerts, job) is None
    assert not add_unique(alerts, JOBS + "succeed", (), "j1", None)


# Workers.

def test_a_worker_runs_each_job_inside_its_job_scope_off_the_main_thread(alerts: Queue) -> None:
    add_unique(alerts, JOBS + "report_scope", (), "j1", None)
    work_in_a_thread(probe(alerts))
    assert return_value(alerts, "j1") is True, (
        BROKEN + "SimpleWorker runs each job through perform_job(job, queue, execution)")


def test_a_forking_worker_runs_each_job_inside_its_job_scope_in_the_work_horse(alerts: Queue,
                                                                               main_thread: None) -> None:
    add_unique(alerts, JOBS + "report_scope", (), "j1", None)
    worker = ForkingProbe([alerts], connection=alerts.connection, serializer=JSONSerializer)
    worker.work(burst=True, logging_level="WARNING")
    assert return_value(alerts, "j1") is True, (
        BROKEN + "the forking Worker's horse runs each job through perform_job")


def test_maintenance_runs_as_the_worker_starts_and_teardown_as_it_ends(alerts: Queue) -> None:
    worker = probe(alerts)
    work_in_a_thread(worker)
    assert worker.maintained == 1, BROKEN + "work() runs run_maintenance_tasks as it starts"
    assert worker.torn_down == 1, BROKEN + "work() ends with teardown()"


def test_an_idle_worker_runs_maintenance_between_waits_of_worker_ttl_less_15_s(alerts: Queue) -> None:
    worker = probe(alerts, maintenance_interval=1, worker_ttl=worker_ttl_for_wait(2))
    work_in_a_thread(worker, burst=False, max_idle_time=4)  # two 2 s waits, then it quits
    assert worker.maintained >= 2, (
        BROKEN + "an idle worker blocks on its queues worker_ttl - 15 s at a time and runs "
        "maintenance between those waits")


def test_a_job_timeout_interrupts_a_job_in_a_worker_off_the_main_thread(alerts: Queue) -> None:
    add_unique(alerts, JOBS + "run_long", (), "j1", None, job_timeout=1)
    started = datetime.now(UTC)
    work_in_a_thread(probe(alerts))
    job = fetch_job(alerts, "j1")
    assert job is not None and job.get_status(refresh=False) == JobStatus.FAILED, (
        BROKEN + "the worker's death_penalty_class (a timer) times jobs out in any thread")
    result = job.latest_result()
    assert result is not None and "JobTimeoutException" in (result.exc_string or "")
    assert datetime.now(UTC) - started < timedelta(seconds=20)


def test_a_warm_shutdown_sets_the_shutdown_requested_date_the_restart_loop_reads(alerts: Queue,
                                                                                 main_thread: None) -> None:
    add_unique(alerts, JOBS + "stop_my_worker", (), "stop", None)
    add_unique(alerts, JOBS + "succeed", (), "next", None)
    worker = probe(alerts)
    worker.work(burst=True, logging_level="WARNING")
    assert status_of(alerts, "stop") == JobStatus.FINISHED, (
        BROKEN + "a warm shutdown lets the job in flight finish")
    assert status_of(alerts, "next") == JobStatus.QUEUED, (
        BROKEN + "a warm shutdown ends the loop before the next job")
    assert stopped_on_request(worker), (
        BROKEN + "SIGTERM sets the worker's _shutdown_requested_date")


def test_a_warm_shutdown_of_an_idle_worker_sets_the_date_too(alerts: Queue, main_thread: None) -> None:
    worker = probe(alerts)
    terminate_once_idle(worker)
    worker.work(logging_level="WARNING", max_idle_time=30)  # not burst: it waits for work
    assert stopped_on_request(worker), (
        BROKEN + "SIGTERM to an idle worker sets its _shutdown_requested_date (rq writes the "
        "public shutdown_requested_date only for a request during a job)")


def test_a_sigterm_during_maintenance_stops_the_worker_before_its_next_job(alerts: Queue,
                                                                          main_thread: None) -> None:
    add_unique(alerts, JOBS + "succeed", (), "next", None)
    worker = SignalledInMaintenance([alerts], connection=alerts.connection,
                                    serializer=JSONSerializer)
    worker.work(burst=True, logging_level="WARNING")
    assert status_of(alerts, "next") == JobStatus.QUEUED, (
        "a SIGTERM while reconcile's event loop runs stops the worker (it was swallowed by "
        "the loop and the worker went on)")
    assert stopped_on_request(worker)


def test_a_worker_that_ran_dry_was_not_asked_to_stop(alerts: Queue) -> None:
    worker = probe(alerts)
    work_in_a_thread(worker)
    assert not stopped_on_request(worker), (
        BROKEN + "_shutdown_requested_date stays None unless a shutdown was requested")


# What the metrics scrape reads.

def test_queue_keys_hold_the_waiting_scheduled_and_failed_jobs(connection: redis.Redis,
                                                               alerts: Queue) -> None:
    add_unique(alerts, JOBS + "crash", (), "failed", None)
    work_in_a_thread(probe(alerts))
    add_unique(alerts, JOBS + "succeed", (), "waiting", None)
    add_unique(alerts, JOBS + "succeed", (), "scheduled", LATER)
    keys = queue_keys(alerts)
    assert connection.lrange(keys.waiting, 0, -1) == [b"waiting"], (
        BROKEN + "a queue's key is a list of its waiting job ids")
    assert connection.zrange(keys.scheduled, 0, -1) == [b"scheduled"], (
        BROKEN + "the scheduled registry's key is a sorted set of job ids")
    assert connection.zrange(keys.failed, 0, -1) == [b"failed"], (
        BROKEN + "the failed registry's key is a sorted set of job ids")


def test_a_live_worker_is_in_the_workers_set_until_it_ends(connection: redis.Redis, alerts: Queue) -> None:
    add_unique(alerts, JOBS + "report_workers", (), "j1", None)
    work_in_a_thread(probe(alerts))
    assert return_value(alerts, "j1") == [1, 1], (
        BROKEN + "a working worker's hash key is in the workers set, and exists")
    assert connection.scard(WORKERS_KEY) == 0, BROKEN + "a worker leaves the set as it ends"

