"""The project's PowerOffice Go client against the simulator, over real HTTP and real Redis.

One simulator per module (its statistics and faults are reset for every test); one fresh,
seeded PowerOffice Go client per test with its own client key, so tests never see each
other's data; Redis database 15, never fakeredis: the token cache, the single-flight lock,
the rate limiter and the look-up cache are part of what is tested. A missing Redis fails
the session (`redis_base_url`), it never skips.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from redis import Redis

from config.settings import Settings
from sandbox.simulator import SimulatorAdmin, SimulatorServer
from sync_worker.poweroffice import PowerOfficeClient
from tests.contract.helpers import (
    CLIENT_RATE_LIMIT,
    REDIS_DB,
    forget_tenant,
    pogo_environment,
    settings_from_environment,
)


@pytest.fixture(scope="module")
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer(rate_limit=None) as server:
        yield server


@pytest.fixture
def admin(simulator: SimulatorServer) -> Iterator[SimulatorAdmin]:
    """The admin API, with the statistics of this test only and no faults left over."""
    admin = simulator.admin
    admin.clear_faults()
    admin.reset_stats()
    yield admin
    admin.clear_faults()


@pytest.fixture
def new_client_key(admin: SimulatorAdmin) -> Callable[[], str]:
    """Creates a seeded PowerOffice Go client (realistic Norwegian setup) with a fresh key."""

    def create() -> str:
        key = f"contract-{uuid.uuid4().hex[:12]}"
        admin.create_client(key, "Acme Konsulent AS")
        admin.seed_client(key)
        return key

    return create


@pytest.fixture
def client_key(new_client_key: Callable[[], str]) -> str:
    return new_client_key()


@pytest.fixture
def redis_client(redis_base_url: str) -> Iterator[Redis]:
    client = Redis.from_url(f"{redis_base_url}/{REDIS_DB}")
    client.ping()
    yield client
    client.close()


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, simulator: SimulatorServer) -> Settings:
    """Settings read the way a worker reads them: from its environment."""
    return settings_from_environment(
        monkeypatch,
        pogo_environment(
            simulator.api_base_url,
            simulator.token_url,
            POGO_RATE_LIMIT_PER_SECOND=CLIENT_RATE_LIMIT,
        ),
    )


@pytest.fixture
def make_client(
    settings: Settings, redis_client: Redis, client_key: str
) -> Iterator[Callable[..., PowerOfficeClient]]:
    """`make_client(key=None, **options)`: one worker's client; the test's key by default."""
    used: set[tuple[str, str]] = set()

    def make(key: str | None = None, **options: Any) -> PowerOfficeClient:
        chosen = options.pop("settings", settings)
        tenant = (chosen.pogo_application_key, key or client_key)
        if tenant not in used:  # a fixed key (the CLI's) may have leftovers of an old run
            forget_tenant(redis_client, *tenant)
            used.add(tenant)
        return PowerOfficeClient(tenant[1], settings=chosen, redis=redis_client, **options)

    yield make
    for application_key, key in used:
        forget_tenant(redis_client, application_key, key)


@pytest.fixture
def client(make_client: Callable[..., PowerOfficeClient]) -> PowerOfficeClient:
    return make_client()
