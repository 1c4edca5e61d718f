"""A token in use renewed ahead of time (the warm-up), and nothing else renewed."""

from __future__ import annotations

import responses

from tests.poweroffice.conftest import BASE, api_calls

CUSTOMER = f"{BASE}/Customers/42"


def bearer(call) -> str:
    return call.request.headers["Authorization"]


def test_a_token_due_within_the_horizon_is_renewed_ahead(client, rsps, token_endpoint, clock):
    rsps.add(responses.GET, CUSTOMER, json={"Id": 42})
    client.customers.get(42)  # tok-1: 600 s, renewed by a transfer from 540 s on
    clock.now += 300

    assert client._tokens.renew_ahead(300) is True

    assert token_endpoint.calls == 2
    client.customers.get(42)
    assert bearer(api_calls(rsps)[-1]) == "Bearer tok-2"
    assert token_endpoint.calls == 2  # the transfer found it renewed


def test_a_fresh_token_is_left_alone(client, rsps, token_endpoint, clock):
    rsps.add(responses.GET, CUSTOMER, json={"Id": 42})
    client.customers.get(42)
    clock.now += 100

    assert client._tokens.renew_ahead(300) is False

    assert token_endpoint.calls == 1


def test_no_token_in_use_is_left_so(client, rsps, token_endpoint):
    assert client._tokens.renew_ahead(300) is False

    assert token_endpoint.calls == 0
