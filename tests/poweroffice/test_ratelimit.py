"""The platform-wide rate limit: no window of one second ever holds more than N sends.

Every test runs on fakeredis and on real Redis (`backend`).
"""

from __future__ import annotations

import dataclasses
import threading
import time

import responses

from sync_worker.poweroffice.ratelimit import WINDOW_SECONDS, RateLimiter
from tests.poweroffice.conftest import BASE, FakeClock

LIMIT = 10


def most_in_one_second(send_times: list[float]) -> int:
    """The largest number of sends inside any window [t, t + 1 s)."""
    times = sorted(send_times)
    return max(sum(1 for other in times if start <= other < start + 1.0) for start in times)


def sends(limiters: list[RateLimiter], clock: FakeClock, count: int) -> list[float]:
    """`count` sends taking turns between `limiters`, as the (fake) times they went out."""
    times = []
    for number in range(count):
        limiters[number % len(limiters)].acquire()
        times.append(clock.now)
    return times


def test_a_burst_is_spread_over_windows(backend):
    clock = FakeClock()
    limiter = RateLimiter(
        backend.redis, backend.settings.pogo_subscription_key, LIMIT, clock=clock, sleep=clock.sleep
    )
    start = clock.now

    times = sends([limiter], clock, 2 * LIMIT + 5)

    assert most_in_one_second(times) == LIMIT
    offsets = [round(moment - start, 6) for moment in times]
    assert offsets == [0.0] * 10 + [WINDOW_SECONDS] * 10 + [2 * WINDOW_SECONDS] * 5


def test_worker_processes_share_one_budget(backend):
    clock = FakeClock()
    key = backend.settings.pogo_subscription_key
    processes = [
        RateLimiter(backend.redis, key, LIMIT, clock=clock, sleep=clock.sleep) for _ in range(3)
    ]

    times = sends(processes, clock, 3 * LIMIT)

    assert most_in_one_second(times) == LIMIT
    assert round(clock.now - times[0], 6) == 2 * WINDOW_SECONDS


def test_another_subscription_key_has_its_own_budget(backend):
    clock = FakeClock()
    key = backend.settings.pogo_subscription_key
    ours = RateLimiter(backend.redis, key, LIMIT, clock=clock, sleep=clock.sleep)
    theirs = RateLimiter(backend.redis, f"{key}-other", LIMIT, clock=clock, sleep=clock.sleep)
    sends([ours], clock, LIMIT)

    assert theirs.acquire() == 0.0
    assert ours.acquire() == WINDOW_SECONDS


def test_on_redis_time_threads_never_exceed_the_limit(backend):
    key = backend.settings.pogo_subscription_key
    sent: list[float] = []

    def worker() -> None:
        limiter = RateLimiter(backend.redis, key, LIMIT)  # Redis's clock, real sleeps
        for _ in range(5):
            limiter.acquire()
            sent.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(sent) == 3 * 5
    assert most_in_one_second(sent) == LIMIT
    assert max(sent) - min(sent) >= 1.0


def test_token_calls_count_against_the_limit(backend, make_client, clock, rsps, token_endpoint):
    client = make_client(
        backend.client_key,
        redis=backend.redis,
        settings=dataclasses.replace(backend.settings, pogo_rate_limit_per_second=2),
    )
    rsps.add(responses.GET, f"{BASE}/Customers/42", json={"Id": 42})

    for _ in range(3):
        client.customers.get(42)

    # Four sends at a limit of two: the third and the fourth wait for the next window.
    waits = [seconds for seconds in clock.sleeps if seconds > 0]
    assert len(waits) == 2
    assert all(0.9 < seconds <= WINDOW_SECONDS for seconds in waits)


def background_limiter(backend, clock: FakeClock) -> RateLimiter:
    key = backend.settings.pogo_subscription_key
    return RateLimiter(backend.redis, key, LIMIT, clock=clock, sleep=clock.sleep, background=True)


def test_background_callers_use_at_most_their_share(backend):
    clock = FakeClock()
    importer = background_limiter(backend, clock)

    times = sends([importer], clock, 3 * LIMIT)

    assert most_in_one_second(times) <= LIMIT // 2


def test_a_transfer_never_waits_behind_background_calls(backend):
    clock = FakeClock()
    key = backend.settings.pogo_subscription_key
    importer = background_limiter(backend, clock)
    transfer = RateLimiter(backend.redis, key, LIMIT, clock=clock, sleep=clock.sleep)
    sends([importer], clock, LIMIT // 2)  # the import has used its whole share

    waits = [transfer.acquire() for _ in range(LIMIT - LIMIT // 2)]

    assert waits == [0.0] * (LIMIT - LIMIT // 2)


def test_background_yields_while_a_transfer_waits_for_its_slot(backend):
    clock = FakeClock()
    key = backend.settings.pogo_subscription_key
    transfer = RateLimiter(backend.redis, key, LIMIT, clock=clock, sleep=lambda _s: None)
    for _ in range(LIMIT + 1):  # the last one reserves a slot one window ahead
        transfer.acquire()
    importer = background_limiter(backend, clock)
    start = clock.now

    importer.acquire()

    assert clock.now - start >= WINDOW_SECONDS - 0.25  # not before the transfer's slot
