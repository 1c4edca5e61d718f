"""Single flight: one producer per lock across processes, the others wait for its value."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import fakeredis
import pytest
import redis

from sync_worker.poweroffice.single_flight import MISSING, POLL_SECONDS, SingleFlight


class Store:
    """A value in Redis, its lock key, and a producer that counts its calls."""

    def __init__(self, redis_client: redis.Redis) -> None:
        tag = uuid.uuid4().hex[:12]
        self.redis = redis_client
        self.key = f"test:single-flight:{tag}"
        self.lock = f"test:single-flight-lock:{tag}"
        self.produced = 0
        self.produce_seconds = 0.0

    def read(self) -> object:
        raw = self.redis.get(self.key)
        return MISSING if raw is None else raw.decode()

    def produce(self) -> str:
        self.produced += 1
        time.sleep(self.produce_seconds)
        value = f"value-{self.produced}"
        self.redis.set(self.key, value)
        return value

    def get(self, flight: SingleFlight) -> str:
        return flight.get(self.lock, self.read, self.produce, timed_out=self.timed_out)

    @staticmethod
    def timed_out() -> str:
        return "timed out"


@pytest.fixture(params=["fakeredis", "redis"])
def store(request) -> Iterator[Store]:
    """Each test twice: on fakeredis (the demo's `memory://`) and on real Redis."""
    if request.param == "fakeredis":
        yield Store(fakeredis.FakeRedis())
        return
    store = Store(request.getfixturevalue("real_redis"))
    yield store
    store.redis.delete(store.key, store.lock)


class Sleeps:
    """A sleep that only counts, and may run something on a given poll."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.on_poll: dict[int, Callable[[], object]] = {}

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        if action := self.on_poll.get(len(self.seconds)):
            action()


def test_a_stored_value_is_read_without_producing_or_locking(store):
    store.redis.set(store.key, "stored")
    store.redis.set(store.lock, "someone-else")  # a lock is no reason to wait for a value

    assert store.get(SingleFlight(store.redis, lock_seconds=5)) == "stored"
    assert store.produced == 0


def test_the_first_caller_produces_and_releases_the_lock(store):
    assert store.get(SingleFlight(store.redis, lock_seconds=5)) == "value-1"
    assert store.produced == 1
    assert store.redis.get(store.lock) is None


def test_concurrent_callers_produce_once_and_all_get_the_value(store):
    store.produce_seconds = 0.2  # long enough for every thread to find the lock held
    callers = [SingleFlight(store.redis, lock_seconds=5) for _ in range(8)]
    start = threading.Barrier(len(callers))
    results: list[str] = []

    def work(flight: SingleFlight) -> None:
        start.wait()
        results.append(store.get(flight))

    threads = [threading.Thread(target=work, args=(flight,)) for flight in callers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == ["value-1"] * 8
    assert store.produced == 1


def test_a_waiting_caller_takes_the_holders_value(store):
    store.redis.set(store.lock, "holder", px=60_000)
    sleeps = Sleeps()
    sleeps.on_poll[3] = lambda: store.redis.set(store.key, "holders-value")

    assert store.get(SingleFlight(store.redis, lock_seconds=5, sleep=sleeps)) == "holders-value"
    assert store.produced == 0
    assert sleeps.seconds == [POLL_SECONDS] * 3


def test_a_value_stored_between_the_read_and_the_lock_is_not_produced_again(store):
    reads = iter([MISSING, "stored by the previous holder"])
    flight = SingleFlight(store.redis, lock_seconds=5)

    found = flight.get(store.lock, lambda: next(reads), store.produce, timed_out=store.timed_out)

    assert found == "stored by the previous holder"
    assert store.produced == 0
    assert store.redis.get(store.lock) is None


def test_waiting_is_bounded_by_the_locks_lifetime_and_a_second(store):
    store.redis.set(store.lock, "busy", px=60_000)
    sleeps = Sleeps()

    assert store.get(SingleFlight(store.redis, lock_seconds=1, sleep=sleeps)) == "timed out"
    assert store.produced == 0
    assert 1.9 < sum(sleeps.seconds) < 2.1


def test_a_lock_left_by_a_crashed_holder_expires(store):
    store.redis.set(store.lock, "crashed", px=150)

    assert store.get(SingleFlight(store.redis, lock_seconds=5)) == "value-1"
    assert store.produced == 1


def test_a_holder_whose_lock_expired_leaves_the_next_holders_lock(store):
    def produce_slowly() -> str:
        # Our lock ran out meanwhile and another caller took it.
        store.redis.set(store.lock, "next-holder")
        return store.produce()

    flight = SingleFlight(store.redis, lock_seconds=5)

    flight.get(store.lock, store.read, produce_slowly, timed_out=store.timed_out)

    assert store.redis.get(store.lock) == b"next-holder"


def test_the_lock_is_released_when_producing_fails(store):
    def fail() -> str:
        raise RuntimeError("PowerOffice Go is down")

    flight = SingleFlight(store.redis, lock_seconds=5)

    with pytest.raises(RuntimeError):
        flight.get(store.lock, store.read, fail, timed_out=store.timed_out)
    assert store.redis.get(store.lock) is None


def test_delete_if_equal_deletes_only_the_value_the_caller_saw(store):
    flight = SingleFlight(store.redis, lock_seconds=5)
    store.redis.set(store.key, "fresh")

    assert flight.delete_if_equal(store.key, "stale") is False
    assert store.redis.get(store.key) == b"fresh"
    assert flight.delete_if_equal(store.key, "fresh") is True
    assert store.redis.get(store.key) is None
