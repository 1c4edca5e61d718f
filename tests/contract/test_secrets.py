"""No key or token shows in an error or a log line when the simulator refuses a call
(tests/poweroffice/test_secrets.py with real answers)."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable

import pytest

from sandbox.simulator.auth import DEFAULT_APPLICATION_KEY
from sync_worker.errors import (
    ApiRejected,
    AuthenticationFailed,
    RateLimited,
    SyncError,
    TransientError,
)
from sync_worker.poweroffice import keys
from tests.contract.helpers import RecordedSleep, with_settings
from tests.support.poweroffice import assert_no_secret

# Each scenario sets the simulator (or the settings) up for one kind of failure.
SCENARIOS: dict[str, tuple[type[SyncError], dict]] = {
    "invalid_client": (AuthenticationFailed, {"client_key": "contract-unknown-client-key"}),
    "wrong subscription key": (
        AuthenticationFailed,
        {"settings": {"pogo_subscription_key": "contract-unknown-sub"}},
    ),
    "validation": (ApiRejected, {"body": {"Number": 10042}}),
    "401 twice": (ApiRejected, {"faults": {"token_lifetime_seconds": 0}}),
    "timeout": (
        TransientError,
        {"faults": {"latency_ms": 600}, "settings": {"pogo_timeout_seconds": 0.2}},
    ),
    "429": (RateLimited, {"faults": {"rate_limit_burst": 8}}),
    "503": (TransientError, {"faults": {"error_count": 2, "error_statuses": [503]}}),
    "lost response": (
        TransientError,
        {"faults": {"lose_responses": 1, "lose_response_path": "/Customers"}},
    ),
}


def cached_token(redis_client, client_key: str) -> list[str]:
    raw = redis_client.get(keys.token(keys.fingerprint(DEFAULT_APPLICATION_KEY, client_key)))
    return [] if raw is None else [json.loads(raw)["token"]]


def secrets_of(client_key: str, settings) -> list[str]:
    basic = base64.b64encode(f"{DEFAULT_APPLICATION_KEY}:{client_key}".encode()).decode()
    return [DEFAULT_APPLICATION_KEY, settings.pogo_subscription_key, client_key, basic]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_errors_and_logs_carry_no_secret(
    make_client: Callable, settings, admin, client_key, redis_client, caplog, scenario
):
    expected, setup = SCENARIOS[scenario]
    key = setup.get("client_key", client_key)
    chosen = with_settings(settings, **setup.get("settings", {}))
    client = make_client(key, settings=chosen, sleep=RecordedSleep())
    if "faults" in setup:
        admin.set_faults(**setup["faults"])
    caplog.set_level(logging.DEBUG)

    with pytest.raises(expected) as caught:
        client.customers.create(setup.get("body", {"Name": "Acme AS", "Number": 10042}))

    secrets = secrets_of(key, chosen) + cached_token(redis_client, key)
    logs = [caplog.text, *(record.getMessage() for record in caplog.records)]
    assert_no_secret(caught.value, logs, secrets)
