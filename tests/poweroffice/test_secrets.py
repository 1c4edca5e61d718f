"""No key or token ever shows in an exception, a log line, a repr or a Redis key name."""

from __future__ import annotations

import base64
import logging

import pytest
import requests
import responses

from sync_worker.errors import SyncError
from tests.poweroffice.conftest import (
    APPLICATION_KEY,
    BASE,
    CLIENT_KEY,
    SECRETS,
    TOKEN_URL,
)
from tests.support.poweroffice import assert_no_secret

CUSTOMER = f"{BASE}/Customers/42"
BASIC = base64.b64encode(f"{APPLICATION_KEY}:{CLIENT_KEY}".encode()).decode()
EVERYTHING_SECRET = (*SECRETS, BASIC, "tok-1", "tok-2")


def token_rejected(rsps) -> None:
    body = {"error": "invalid_client", "error_description": "Client integration not found."}
    rsps.add(responses.POST, TOKEN_URL, status=400, json=body)


def token_unauthorized(rsps) -> None:
    rsps.add(responses.POST, TOKEN_URL, status=401)


def with_token(answer: dict):
    def scenario(rsps) -> None:
        rsps.add(responses.POST, TOKEN_URL, json={"access_token": "tok-1", "expires_in": 600})
        rsps.add(responses.POST, TOKEN_URL, json={"access_token": "tok-2", "expires_in": 600})
        rsps.add(responses.GET, CUSTOMER, **answer)

    return scenario


SCENARIOS = {
    "invalid_client": token_rejected,
    "token 401": token_unauthorized,
    "validation": with_token({"status": 400, "json": {"title": "Invalid", "detail": "Bad."}}),
    "401 twice": with_token({"status": 401}),
    "timeout": with_token({"body": requests.exceptions.ReadTimeout("timed out")}),
    "429": with_token({"status": 429}),
    "503": with_token({"status": 503}),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_errors_and_logs_carry_no_secret(client, rsps, caplog, scenario):
    SCENARIOS[scenario](rsps)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(SyncError) as caught:
        client.customers.get(42)

    logs = [caplog.text, *(record.getMessage() for record in caplog.records)]
    assert_no_secret(caught.value, logs, EVERYTHING_SECRET)


def test_reprs_and_redis_key_names_carry_no_secret(client, rsps, redis_client):
    rsps.add(responses.POST, TOKEN_URL, json={"access_token": "tok-1", "expires_in": 600})
    rsps.add(responses.GET, f"{BASE}/VatCodes", json=[{"Code": "3"}])
    client.vat_codes.by_code()

    shown = [repr(client), repr(client.vat_codes), repr(client.lookups)]
    shown += [repr(client._tokens), repr(client._limiter)]
    shown += [key.decode() for key in redis_client.keys("*")]
    assert len(shown) > 5  # token, lookup and rate-limit keys
    for secret in EVERYTHING_SECRET:
        assert not any(secret in text for text in shown)
