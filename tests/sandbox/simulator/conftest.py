"""Fixtures for testing against the PowerOffice Go simulator over real HTTP.

`simulator` is meant to move to the top-level conftest: it needs nothing but a free port,
starts in milliseconds, and is fresh for every test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.simulator import SimulatorAdmin, SimulatorServer
from tests.sandbox.simulator.builders import Ids, create_customer
from tests.sandbox.simulator.raw import Api

CLIENT_KEY = "client-key-acme"


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    """A running simulator on a free port (default keys, 10 requests per second)."""
    with SimulatorServer() as server:
        yield server


@pytest.fixture
def admin(simulator: SimulatorServer) -> SimulatorAdmin:
    return simulator.admin


@pytest.fixture
def client_key(admin: SimulatorAdmin) -> str:
    """A client with the realistic Norwegian setup and no rate limit (tests go fast)."""
    admin.create_client(CLIENT_KEY, "Acme Konsulent AS")
    admin.seed_client(CLIENT_KEY)
    admin.set_rate_limit(None)
    return CLIENT_KEY


@pytest.fixture
def api(simulator: SimulatorServer, client_key: str) -> Api:
    return Api(simulator.api_base_url, simulator.token_url, client_key)


@pytest.fixture
def ids(api: Api) -> Ids:
    """The seeded client's ids of accounts and VAT codes."""
    return Ids.of(api)


@pytest.fixture
def customer(api: Api) -> dict:
    return create_customer(api, number=10001)
