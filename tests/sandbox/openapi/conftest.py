"""Fixtures reused: the client's unit-test ones (mocked HTTP, fakeredis, a fake clock) and
the simulator tests' ones (a running simulator, a seeded client, raw HTTP)."""

from tests.poweroffice.conftest import (  # noqa: F401 - fixtures, found by name
    client,
    clock,
    make_client,
    redis_client,
    rsps,
    settings,
    token_endpoint,
)
from tests.sandbox.simulator.conftest import (  # noqa: F401 - fixtures, found by name
    admin,
    api,
    client_key,
    simulator,
)
