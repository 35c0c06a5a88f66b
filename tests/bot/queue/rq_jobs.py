"""Job functions for the rq behaviour tests: importable by name, as rq's workers need them."""

from __future__ import annotations

import os
import signal
import time
from contextvars import ContextVar

from rq import Retry, get_current_job
from rq.job import Job

from bot.queue.rq_internals import WORKERS_KEY

# Set by the test worker's `job_scope`; a job reads it to tell whether it ran inside.
IN_SCOPE: ContextVar[bool] = ContextVar("IN_SCOPE", default=False)


def succeed() -> str:
    """A job that finishes."""
    return "done"


def crash() -> None:
    """A job that raises, as one meeting an error it does not expect would."""
    raise RuntimeError("crashed on purpose")


def ask_again() -> Retry:
    """A job that asks rq to run it again in a minute (as a send refused by a provider does)."""
    return Retry(max=3, interval=60)


def report_scope() -> bool:
    """Whether the job runs inside the worker's `job_scope`."""
    return IN_SCOPE.get()


def report_own_state() -> list[object]:
    """What Redis says of the running job: its stored status and whether its start is stored."""
    current = get_current_job()
    assert current is not None
    stored = Job.fetch(current.id, connection=current.connection,
                       serializer=current.serializer)
    return [stored.get_status(refresh=False).value, stored.started_at is not None]


def report_workers() -> list[int]:
    """How many workers the workers set lists, and how many of their hashes exist."""
    current = get_current_job()
    assert current is not None
    members = current.connection.smembers(WORKERS_KEY)
    return [len(members), int(current.connection.exists(*members)) if members else 0]


def stop_my_worker() -> str:
    """SIGTERM to this process while the job runs, as `kill` or a process manager sends it."""
    os.kill(os.getpid(), signal.SIGTERM)
    return "signalled"


def run_long() -> None:
    """A job that would run for 30 s; a job timeout must interrupt it."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.05)  # short steps: an asynchronous exception lands between them
