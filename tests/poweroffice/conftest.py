"""Fixtures for the PowerOffice Go client: mocked HTTP, fakeredis, a clock tests control."""

from __future__ import annotations

import dataclasses
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import fakeredis
import pytest
import redis
import responses

from config.settings import Settings, load_settings
from sync_worker.poweroffice import PowerOfficeClient, keys
from tests.sandbox.openapi.recorded import recorded_problems

BASE = "https://pogo.test/Demo/v2"
TOKEN_URL = "https://pogo.test/Demo/OAuth/Token"
APPLICATION_KEY = "app-key-7f3c9d21-secret"
CLIENT_KEY = "client-key-b41e0a77-secret"
SUBSCRIPTION_KEY = "sub-key-5d0c8e13-secret"
SECRETS = (APPLICATION_KEY, CLIENT_KEY, SUBSCRIPTION_KEY)


class FakeClock:
    """Wall-clock time that moves only when the code under test sleeps (or a test says)."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def settings() -> Settings:
    return dataclasses.replace(
        load_settings(),
        pogo_api_base_url=BASE,
        pogo_token_url=TOKEN_URL,
        pogo_application_key=APPLICATION_KEY,
        pogo_subscription_key=SUBSCRIPTION_KEY,
        pogo_rate_limit_per_second=10,
        pogo_timeout_seconds=5.0,
        pogo_lookup_cache_seconds=300,
    )


@pytest.fixture
def redis_client() -> fakeredis.FakeRedis:
    return fakeredis.FakeRedis()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """Mocked HTTP; at teardown every request sent to the v2 API must be one PowerOffice
    Go's published OpenAPI allows (sandbox/openapi), or the test fails naming why."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
        problems = recorded_problems((call.request for call in mock.calls), BASE)
    if problems:
        pytest.fail("requests the v2 OpenAPI refuses:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def make_client(settings, redis_client, clock) -> Callable[..., PowerOfficeClient]:
    def make(client_key: str = CLIENT_KEY, **overrides) -> PowerOfficeClient:
        options = {
            "settings": settings,
            "redis": redis_client,
            "clock": clock,
            "sleep": clock.sleep,
        }
        return PowerOfficeClient(client_key, **{**options, **overrides})

    return make


@pytest.fixture
def client(make_client) -> PowerOfficeClient:
    return make_client()


class TokenEndpoint:
    """The token URL, answering tok-1, tok-2, … with a lifetime a test may change."""

    def __init__(self, rsps: responses.RequestsMock) -> None:
        self.expires_in = 600
        self.delay = 0.0
        self._numbers = itertools.count(1)
        self._rsps = rsps
        rsps.add_callback(responses.POST, TOKEN_URL, callback=self._answer)

    def _answer(self, _request) -> tuple[int, dict, str]:
        time.sleep(self.delay)
        token = f"tok-{next(self._numbers)}"
        body = {"access_token": token, "token_type": "bearer", "expires_in": self.expires_in}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    @property
    def calls(self) -> int:
        return sum(1 for call in self._rsps.calls if call.request.url == TOKEN_URL)


@pytest.fixture
def token_endpoint(rsps) -> TokenEndpoint:
    return TokenEndpoint(rsps)


def api_calls(rsps: responses.RequestsMock) -> list:
    """The recorded calls other than token requests."""
    return [call for call in rsps.calls if call.request.url != TOKEN_URL]


@pytest.fixture
def real_redis(redis_base_url) -> Iterator[redis.Redis]:
    """Redis database 15 (from the suite's service fixture: missing Redis fails, never skips)."""
    client = redis.Redis.from_url(f"{redis_base_url}/15")
    client.ping()
    yield client
    client.close()


@dataclasses.dataclass(frozen=True)
class Backend:
    """A Redis to test on, with credentials no other test (or earlier run) has used."""

    redis: redis.Redis
    settings: Settings
    client_key: str


@pytest.fixture(params=["fakeredis", "redis"])
def backend(request, settings) -> Iterator[Backend]:
    """Each test twice: on fakeredis (the demo's `memory://`) and on real Redis."""
    tag = uuid.uuid4().hex[:12]
    fresh = dataclasses.replace(settings, pogo_subscription_key=f"sub-{tag}")
    client_key = f"client-{tag}"
    if request.param == "fakeredis":
        yield Backend(fakeredis.FakeRedis(), fresh, client_key)
        return
    real = request.getfixturevalue("real_redis")
    yield Backend(real, fresh, client_key)
    for owner in (
        keys.fingerprint(APPLICATION_KEY, client_key),
        keys.fingerprint(fresh.pogo_subscription_key),
    ):
        for key in real.scan_iter(match=f"pogo:*{owner}*"):
            real.delete(key)


def all_at_once(make_client, backend: Backend, work, *, workers: int = 8) -> list:
    """`work(client)` in as many threads, each with its own client on the shared backend
    and real time, all started together; their results in the order they finished."""
    clients = [
        make_client(
            backend.client_key,
            redis=backend.redis,
            settings=backend.settings,
            clock=time.time,
            sleep=time.sleep,
        )
        for _ in range(workers)
    ]
    start = threading.Barrier(len(clients))
    results: list = []

    def run(client) -> None:
        start.wait()
        results.append(work(client))

    threads = [threading.Thread(target=run, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
