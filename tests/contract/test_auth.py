"""Tokens against the simulator's token endpoint: what tests/poweroffice/test_auth.py
asserts (cached per client key, renewed early, once after a 401, by one worker) holds."""

from __future__ import annotations

import threading

import pytest

from sandbox.simulator.app import TOKEN_PATH
from sync_worker.errors import ApiRejected
from tests.contract.helpers import Clock, answered, create_customer

TOKENS = f"POST {TOKEN_PATH}"
CUSTOMER = "GET /v2/Customers/{customer_id}"


def token_requests(admin) -> int:
    return sum(answered(admin, TOKENS).values())


def test_token_request_is_accepted_and_used(client, admin):
    """The simulator takes only client credentials with both keys (Basic), the subscription
    key on the token call and on the API call, and a bearer token: success proves each."""
    assert client.customers.find_by_number(10042) is None

    assert answered(admin, TOKENS) == {"200": 1}
    assert answered(admin, "GET /v2/Customers") == {"204": 1}


def test_cached_token_serves_every_client_of_the_tenant(make_client, new_client_key, admin):
    make_client().customers.find_by_number(10042)
    make_client().customers.find_by_number(10042)  # another worker process, same Redis
    make_client(new_client_key()).customers.find_by_number(10042)  # another tenant

    assert answered(admin, TOKENS) == {"200": 2}


def test_token_is_renewed_60_seconds_before_it_expires(make_client, admin):
    clock = Clock()
    client = make_client(clock=clock)  # the simulator's tokens live 600 s

    client.customers.find_by_number(10042)
    clock.now += 600 - 60 - 1
    client.customers.find_by_number(10042)
    assert token_requests(admin) == 1
    clock.now += 2
    client.customers.find_by_number(10042)
    assert token_requests(admin) == 2


def test_401_renews_the_token_once_and_repeats_the_call(client, admin):
    customer = create_customer(client, 10042)
    admin.expire_tokens()

    assert client.customers.get(customer["Id"]) == customer
    assert answered(admin, TOKENS) == {"200": 2}
    assert answered(admin, CUSTOMER) == {"401": 1, "200": 1}


def test_a_second_401_raises(client, admin):
    customer = create_customer(client, 10042)
    admin.set_faults(token_lifetime_seconds=0)  # every token, a new one too, is dead at once

    with pytest.raises(ApiRejected) as caught:
        client.customers.get(customer["Id"])

    assert caught.value.http_status == 401
    assert str(caught.value) == (
        f"GET /Customers/{customer['Id']}: 401 Unauthorized. Access token is missing or invalid."
    )
    assert answered(admin, TOKENS) == {"200": 2}
    assert answered(admin, CUSTOMER) == {"401": 2}


def test_concurrent_workers_of_a_cold_tenant_request_one_token(make_client, admin):
    # Slow answers, so that every thread finds the renewal lock held by the first.
    admin.set_faults(latency_ms=200)
    workers = [make_client() for _ in range(8)]
    start = threading.Barrier(len(workers))
    results: list[object] = []

    def work(worker) -> None:
        start.wait()
        results.append(worker.customers.find_by_number(10042))

    threads = [threading.Thread(target=work, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [None] * 8
    assert answered(admin, TOKENS) == {"200": 1}
    assert answered(admin, "GET /v2/Customers") == {"204": 8}
