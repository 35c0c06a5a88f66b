"""The shared token bucket, on the real Redis: one queue of send slots for every worker.

Waits are read from what the bucket returns. Time only moves forward between two calls, so a wait is
never more than its exact value and only a little less; rates are slow enough that "a little" is far
less than the gap between two slots.
"""

from __future__ import annotations

import math
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import redis

from bot.queue.ratelimit import MIN_FACTOR, TTL_MARGIN_MS, TokenBucket
from tests.polling import eventually_sync

EPSILON = 1e-6


@pytest.fixture
def bucket_url(redis_url: str) -> str:
    """The run's own Redis database, emptied before and after the test."""
    return redis_url


@pytest.fixture
def connection(bucket_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(bucket_url)
    yield client
    client.close()


@pytest.fixture
def other_connection(bucket_url: str) -> Iterator[redis.Redis]:
    """A second client, as another worker would have."""
    client = redis.Redis.from_url(bucket_url)
    yield client
    client.close()


def expected_wait(k: int, rate: float, burst: float) -> float:
    """The k-th (1-based) reservation of one token from a fresh bucket waits this long."""
    return max(0.0, (k - burst) / rate)


def assert_one_per_slot(waits: list[float], rate: float, burst: float, slack: float) -> None:
    """Sorted, the k-th wait is (k - burst)/rate, less at most `slack` seconds of elapsed time."""
    assert slack < 1 / rate / 2, "slack must stay well inside one slot"
    for k, wait in enumerate(sorted(waits), start=1):
        exact = expected_wait(k, rate, burst)
        assert exact - slack < wait <= exact + EPSILON, f"reservation {k}: {wait} vs {exact}"


def test_a_fresh_bucket_lets_a_burst_through_then_asks_one_slot_per_token(connection: redis.Redis) -> None:
    bucket = TokenBucket(connection, "sms", rate=2, burst=3)
    assert [bucket.reserve(1) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert 0.5 - 0.2 < bucket.reserve(1) <= 0.5 + EPSILON
    assert 1.0 - 0.2 < bucket.reserve(1) <= 1.0 + EPSILON
    # A three-segment message books three slots.
    assert 2.5 - 0.2 < bucket.reserve(3) <= 2.5 + EPSILON


def test_burst_defaults_to_the_rate_and_at_least_one(connection: redis.Redis) -> None:
    assert TokenBucket(connection, "fast", rate=5).burst == 5
    assert TokenBucket(connection, "slow", rate=0.2).burst == 1


def test_a_request_larger_than_the_burst_is_allowed_and_waits_for_the_rest(connection: redis.Redis) -> None:
    bucket = TokenBucket(connection, "sms", rate=1, burst=2)
    assert 8 - 0.2 < bucket.reserve(10) <= 8 + EPSILON


def test_reservations_from_many_threads_never_share_a_slot(connection: redis.Redis) -> None:
    rate, burst, threads, each = 1.0, 4.0, 8, 5
    start = threading.Barrier(threads)
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        bucket = TokenBucket(connection, "sms", rate=rate, burst=burst)
        start.wait(timeout=10)
        mine = [bucket.reserve(1) for _ in range(each)]
        with lock:
            waits.extend(mine)

    running = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout=30)
    assert len(waits) == threads * each
    assert_one_per_slot(waits, rate, burst, slack=0.4)


def _reserve_in_process(url: str, count: int, start: threading.Barrier,
                        results: multiprocessing.Queue[list[float]]) -> None:
    connection = redis.Redis.from_url(url)
    bucket = TokenBucket(connection, "sms", rate=1, burst=3)
    start.wait(timeout=30)
    results.put([bucket.reserve(1) for _ in range(count)])
    connection.close()


def test_reservations_from_two_processes_never_share_a_slot(bucket_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    results: multiprocessing.Queue[list[float]] = context.Queue()
    processes = [context.Process(target=_reserve_in_process, args=(bucket_url, 10, start, results))
                 for _ in range(2)]
    for process in processes:
        process.start()
    try:
        waits = results.get(timeout=60) + results.get(timeout=60)
    finally:
        for process in processes:
            process.join(timeout=30)
    assert [process.exitcode for process in processes] == [0, 0]
    assert_one_per_slot(waits, rate=1, burst=3, slack=0.4)


def test_two_buckets_with_the_same_name_share_their_tokens(connection: redis.Redis,
                                                           other_connection: redis.Redis) -> None:
    mine = TokenBucket(connection, "sms", rate=1, burst=1)
    theirs = TokenBucket(other_connection, "sms", rate=1, burst=1)
    elsewhere = TokenBucket(other_connection, "voice", rate=1, burst=1)
    assert mine.reserve(1) == 0.0
    assert 1 - 0.2 < theirs.reserve(1) <= 1 + EPSILON
    assert 2 - 0.2 < mine.reserve(1) <= 2 + EPSILON
    assert elsewhere.reserve(1) == 0.0


def test_slow_down_halves_the_rate_for_every_holder_and_compounds_to_a_floor(
        connection: redis.Redis, other_connection: redis.Redis) -> None:
    mine = TokenBucket(connection, "sms", rate=10)
    theirs = TokenBucket(other_connection, "sms", rate=10)
    mine.slow_down()
    assert (mine.current_rate(), theirs.current_rate()) == (5.0, 5.0)
    theirs.slow_down()
    assert (mine.current_rate(), theirs.current_rate()) == (2.5, 2.5)
    for _ in range(10):
        mine.slow_down(factor=0.5)
    assert theirs.current_rate() == pytest.approx(10 * MIN_FACTOR)


def test_a_slowed_bucket_hands_out_slots_at_the_lower_rate(connection: redis.Redis) -> None:
    bucket = TokenBucket(connection, "sms", rate=2, burst=1)
    assert bucket.reserve(1) == 0.0
    bucket.slow_down(factor=0.5, seconds=60)
    assert 1.0 - 0.2 < bucket.reserve(1) <= 1.0 + EPSILON  # one token at 1/s, not 2/s


def test_a_penalty_ending_before_the_debt_is_paid_slows_only_its_own_part(connection: redis.Redis) -> None:
    bucket = TokenBucket(connection, "sms", rate=2, burst=1)
    bucket.slow_down(factor=0.5, seconds=1)
    assert bucket.reserve(1) == 0.0
    # One token comes in during the second left at 1/s, the other two at 2/s afterwards.
    assert 2.0 - 0.2 < bucket.reserve(3) <= 2.0 + EPSILON


def test_the_rate_recovers_when_the_penalty_expires(connection: redis.Redis) -> None:
    bucket = TokenBucket(connection, "sms", rate=4)
    bucket.slow_down(factor=0.25, seconds=0.3)
    assert bucket.current_rate() == 1.0
    eventually_sync(bucket.current_rate, "the full rate again", until=lambda rate: rate == 4.0)
    bucket.slow_down(factor=0.5)
    assert bucket.current_rate() == 2.0  # a fresh penalty starts from the full rate again


@pytest.mark.parametrize("rate", [0, -1])
def test_an_unlimited_bucket_never_waits_and_touches_nothing(connection: redis.Redis, rate: float) -> None:
    bucket = TokenBucket(connection, "bench", rate=rate)
    assert [bucket.reserve(1_000_000) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.acquire(1_000_000, max_wait=0) == 0.0
    bucket.slow_down()
    assert bucket.current_rate() == math.inf
    assert connection.keys("cmsbot:bucket:*") == []


def test_acquire_goes_at_once_when_tokens_are_there(connection: redis.Redis) -> None:
    bucket = TokenBucket(connection, "sms", rate=1, burst=2)
    assert bucket.acquire(2) == 0.0


def test_acquire_sleeps_for_a_short_wait_and_returns_it(connection: redis.Redis) -> None:
    bucket = TokenBucket(connection, "sms", rate=50, burst=1)
    assert bucket.acquire(1) == 0.0
    started = time.monotonic()
    waited = bucket.acquire(1, max_wait=1)
    assert 0 < waited <= 0.02 + EPSILON
    assert time.monotonic() - started >= waited * 0.9


def test_acquire_refuses_a_long_wait_and_takes_nothing(connection: redis.Redis) -> None:
    bucket = TokenBucket(connection, "sms", rate=1, burst=1)
    assert bucket.reserve(1) == 0.0
    with pytest.raises(TimeoutError):
        bucket.acquire(5, max_wait=2)
    with pytest.raises(TimeoutError):
        bucket.acquire(1, max_wait=0)
    # Neither refusal booked a slot: the next caller is still only one token behind.
    assert 1 - 0.2 < bucket.reserve(1) <= 1 + EPSILON


def test_a_used_bucket_expires_once_it_would_be_full_again(connection: redis.Redis) -> None:
    bucket = TokenBucket(connection, "sms", rate=10, burst=5)
    bucket.reserve(5)  # full again in 0.5 s
    assert 0 < connection.pttl(bucket.key) <= 500 + TTL_MARGIN_MS
    bucket.reserve(100)  # 100 tokens in debt: 10 s, then 0.5 s to refill the burst
    assert 10_300 < connection.pttl(bucket.key) <= 10_500 + TTL_MARGIN_MS


def test_a_penalty_keeps_the_key_alive_until_it_ends(connection: redis.Redis) -> None:
    bucket = TokenBucket(connection, "sms", rate=10)
    bucket.slow_down(seconds=60)
    assert 59_000 < connection.pttl(bucket.key) <= 60_000 + TTL_MARGIN_MS


def test_an_expired_bucket_starts_full(connection: redis.Redis) -> None:
    bucket = TokenBucket(connection, "sms", rate=1, burst=2)
    assert bucket.reserve(2) == 0.0
    connection.delete(bucket.key)  # what the TTL does to an idle bucket
    assert bucket.reserve(2) == 0.0


@pytest.mark.parametrize("call", [
    lambda bucket: bucket.reserve(-1),
    lambda bucket: bucket.acquire(1, max_wait=-1),
    lambda bucket: bucket.slow_down(factor=0),
    lambda bucket: bucket.slow_down(factor=1.5),
    lambda bucket: bucket.slow_down(seconds=0),
])
def test_nonsense_arguments_are_refused(connection: redis.Redis,
                                        call: Callable[[TokenBucket], object]) -> None:
    with pytest.raises(ValueError):
        call(TokenBucket(connection, "sms", rate=1))
    assert connection.keys("cmsbot:bucket:*") == []


def test_a_limited_bucket_needs_a_positive_burst(connection: redis.Redis) -> None:
    with pytest.raises(ValueError):
        TokenBucket(connection, "sms", rate=1, burst=0)
