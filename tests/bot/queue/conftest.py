"""A client of the run's own Redis database for the queue tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from bot.queue.connection import connect


@pytest.fixture
def connection(redis_url: str) -> Iterator[redis.Redis]:
    """A cmsbot Redis client, closed after the test."""
    client = connect(redis_url)
    yield client
    client.close()
