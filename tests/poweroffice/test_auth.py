"""Tokens: requested correctly, cached per client key, renewed early, once, by one worker."""

from __future__ import annotations

import base64
import json
import time

import fakeredis
import pytest
import responses

from sync_worker.errors import ApiRejected, TransientError
from sync_worker.poweroffice import keys
from sync_worker.poweroffice.auth import TokenSource
from sync_worker.poweroffice.transport import ApiResponse
from tests.poweroffice.conftest import (
    APPLICATION_KEY,
    BASE,
    CLIENT_KEY,
    SUBSCRIPTION_KEY,
    TOKEN_URL,
    all_at_once,
    api_calls,
)

CUSTOMER = f"{BASE}/Customers/42"


def bearer(call) -> str:
    return call.request.headers["Authorization"]


def test_token_request_is_client_credentials_with_both_keys(client, rsps, token_endpoint):
    rsps.add(responses.GET, CUSTOMER, json={"Id": 42})

    client.customers.get(42)

    request = rsps.calls[0].request
    basic = base64.b64encode(f"{APPLICATION_KEY}:{CLIENT_KEY}".encode()).decode()
    assert request.url == TOKEN_URL
    assert request.headers["Authorization"] == f"Basic {basic}"
    assert request.headers["Ocp-Apim-Subscription-Key"] == SUBSCRIPTION_KEY
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.body == "grant_type=client_credentials"
    assert bearer(rsps.calls[1]) == "Bearer tok-1"


def test_cached_token_serves_every_client_of_the_tenant(make_client, rsps, token_endpoint):
    rsps.add(responses.GET, CUSTOMER, json={"Id": 42})

    make_client().customers.get(42)
    make_client().customers.get(42)  # another worker process, same Redis
    make_client("other-client-key").customers.get(42)

    assert token_endpoint.calls == 2
    assert [bearer(call) for call in api_calls(rsps)] == ["Bearer tok-1"] * 2 + ["Bearer tok-2"]


def test_token_is_renewed_60_seconds_before_it_expires(client, rsps, token_endpoint, clock):
    rsps.add(responses.GET, CUSTOMER, json={"Id": 42})

    client.customers.get(42)
    clock.now += 600 - 60 - 1
    client.customers.get(42)
    clock.now += 2
    client.customers.get(42)

    assert [bearer(call) for call in api_calls(rsps)] == ["Bearer tok-1"] * 2 + ["Bearer tok-2"]


def test_a_short_lifetime_is_renewed_at_half_time(client, rsps, token_endpoint, clock):
    token_endpoint.expires_in = 90
    rsps.add(responses.GET, CUSTOMER, json={"Id": 42})

    client.customers.get(42)
    clock.now += 44
    client.customers.get(42)
    clock.now += 2
    client.customers.get(42)

    assert token_endpoint.calls == 2


def test_401_renews_the_token_once_and_repeats_the_call(client, rsps, token_endpoint):
    rsps.add(responses.GET, CUSTOMER, status=401)
    rsps.add(responses.GET, CUSTOMER, json={"Id": 42})

    assert client.customers.get(42) == {"Id": 42}
    assert [bearer(call) for call in api_calls(rsps)] == ["Bearer tok-1", "Bearer tok-2"]


def test_a_second_401_raises(client, rsps, token_endpoint):
    rsps.add(responses.GET, CUSTOMER, status=401, json={"message": "Invalid token"})

    with pytest.raises(ApiRejected) as caught:
        client.customers.get(42)

    assert caught.value.http_status == 401
    assert str(caught.value) == "GET /Customers/42: 401 Invalid token"
    assert token_endpoint.calls == 2
    assert len(api_calls(rsps)) == 2


def make_source(redis_client, send, *, lock_seconds=5.0, sleep=time.sleep) -> TokenSource:
    return TokenSource(
        tenant=keys.fingerprint(APPLICATION_KEY, CLIENT_KEY),
        application_key=APPLICATION_KEY,
        client_key=CLIENT_KEY,
        subscription_key=SUBSCRIPTION_KEY,
        token_url=TOKEN_URL,
        redis_client=redis_client,
        send=send,
        lock_seconds=lock_seconds,
        sleep=sleep,
    )


class CountingTokenEndpoint:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *_args, **_kwargs) -> ApiResponse:
        self.calls += 1
        body = {"access_token": f"tok-{self.calls}", "expires_in": 600}
        return ApiResponse(200, {}, json.dumps(body).encode())


def test_invalidate_keeps_a_token_another_worker_already_renewed():
    endpoint = CountingTokenEndpoint()
    source = make_source(fakeredis.FakeRedis(), endpoint)
    stale = source.token()
    source.invalidate(stale)  # worker A: 401 with tok-1, renews
    fresh = source.token()

    source.invalidate(stale)  # worker B: its 401 was for tok-1 too

    assert (stale, fresh, source.token()) == ("tok-1", "tok-2", "tok-2")
    assert endpoint.calls == 2


def test_a_lock_left_by_a_crashed_worker_expires():
    redis_client = fakeredis.FakeRedis()
    tenant = keys.fingerprint(APPLICATION_KEY, CLIENT_KEY)
    redis_client.set(keys.token_lock(tenant), "crashed", px=150)
    endpoint = CountingTokenEndpoint()

    assert make_source(redis_client, endpoint).token() == "tok-1"
    assert endpoint.calls == 1


def test_waiting_for_another_workers_renewal_is_bounded(clock):
    redis_client = fakeredis.FakeRedis()
    tenant = keys.fingerprint(APPLICATION_KEY, CLIENT_KEY)
    redis_client.set(keys.token_lock(tenant), "busy", px=60_000)
    source = make_source(redis_client, CountingTokenEndpoint(), lock_seconds=1, sleep=clock.sleep)

    with pytest.raises(TransientError, match="token renewal by another worker timed out"):
        source.token()
    assert 1.9 < sum(clock.sleeps) < 2.1  # lock_seconds + 1


def test_concurrent_workers_of_a_cold_tenant_request_one_token(
    backend, make_client, rsps, token_endpoint
):
    token_endpoint.delay = 0.2  # long enough for every thread to find the lock held
    rsps.add(responses.GET, CUSTOMER, json={"Id": 42})
    results = all_at_once(make_client, backend, lambda client: client.customers.get(42))

    assert results == [{"Id": 42}] * 8
    assert token_endpoint.calls == 1
    assert {bearer(call) for call in api_calls(rsps)} == {"Bearer tok-1"}
