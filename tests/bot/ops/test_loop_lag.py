"""The event-loop lag monitor: a stall shows in the gauge and to readiness while it still
holds the loop, before the monitor can wake to record it. (That the recorded stall stays for
the window and then goes is seen through HTTP in tests/handlers/test_admission.py.)"""

import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry

from alerts.load import LAG_LIMIT, WINDOW
from bot.ops.loop_lag import LoopLag

GAUGE = "cmsbot_event_loop_lag_seconds"
NOW = datetime(2026, 7, 4, 23, 15, tzinfo=UTC)


async def test_a_stall_counts_while_it_lasts():
    registry = CollectorRegistry()
    lag = LoopLag(lambda: NOW, registry)
    task = asyncio.get_running_loop().create_task(lag.run())
    try:
        await asyncio.sleep(0)  # one turn of the loop: the monitor starts and goes to sleep
        assert registry.get_sample_value(GAUGE) < LAG_LIMIT
        time.sleep(1.2)  # noqa: ASYNC251 (the stall measured)
        # Still inside the stalled turn: the monitor could not wake, and the stall shows, even
        # to a reader whose window has moved on.
        assert registry.get_sample_value(GAUGE) > LAG_LIMIT
        assert lag.worst(NOW + WINDOW + timedelta(seconds=1)) > LAG_LIMIT
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert lag.worst(NOW) < LAG_LIMIT  # stopped: no wake-up is overdue
