"""The gateway's rate limit, and the statistic that proves a client kept to it."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from sandbox.simulator import DEFAULT_SUBSCRIPTION_KEY, SimulatorServer
from tests.sandbox.simulator.raw import Api, token_response

RATE_LIMITED = {"statusCode": "429", "message": "Rate limit is exceeded. Try again in 1 seconds."}


@pytest.fixture
def limited():
    """A simulator admitting 3 requests per second, with one empty client."""
    with SimulatorServer(rate_limit=3) as server:
        server.admin.create_client("k")
        yield server


def test_past_the_limit_is_429_with_retry_after(limited):
    api = Api(limited.api_base_url, limited.token_url, "k")  # the token call counts: 1
    statuses = [api.get("/Customers").status_code for _ in range(3)]

    assert statuses == [204, 204, 429]
    response = api.get("/Customers")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.json() == RATE_LIMITED


def test_token_calls_are_limited_too(limited):
    statuses = [token_response(limited.token_url, "k").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_after_the_window_requests_pass_again(limited):
    api = Api(limited.api_base_url, limited.token_url, "k")
    while api.get("/Customers").status_code != 429:
        pass

    time.sleep(1.0)

    assert api.get("/Customers").status_code == 204


def test_limit_is_per_subscription_key(limited):
    limited.admin.create_client("k2", subscription_key="second-subscription")
    for _ in range(3):
        token_response(limited.token_url, "k")

    other = token_response(limited.token_url, "k2", subscription_key="second-subscription")

    assert other.status_code == 200


def test_limit_can_change_at_run_time(limited):
    limited.admin.set_rate_limit(1)
    statuses = [token_response(limited.token_url, "k").status_code for _ in range(2)]

    assert limited.admin.rate_limit() == 1
    assert statuses == [200, 429]


def test_stat_counts_every_arrival_in_the_busiest_window(limited):
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: token_response(limited.token_url, "k"), range(8)))

    stats = limited.admin.stats()

    # 3 were admitted and 5 refused, but all 8 arrived within one second.
    assert stats["max_requests_per_window"][DEFAULT_SUBSCRIPTION_KEY] == 8
    assert stats["by_endpoint"]["POST /OAuth/Token"] == {"200": 3, "429": 5}


def test_stat_shows_a_paced_client_stayed_within_the_limit(limited):
    for _ in range(2):
        for _ in range(3):
            assert token_response(limited.token_url, "k").status_code == 200
        time.sleep(1.05)

    assert limited.admin.max_requests_per_window(DEFAULT_SUBSCRIPTION_KEY) == 3


def paced_pairs(server: SimulatorServer, **faults) -> list[int]:
    """Statuses of 3 pairs of requests at once, each pair a window after the one before:
    exactly the limit of 2 a second, as the requests leave the client."""
    server.admin.create_client("k")
    api = Api(server.api_base_url, server.token_url, "k")
    time.sleep(1.0)  # the token call's window is over
    server.admin.set_faults(**faults, random_seed=3)
    statuses = []
    with ThreadPoolExecutor(2) as pool:
        for _ in range(3):
            started = time.monotonic()
            statuses += pool.map(lambda _: api.get("/Customers").status_code, range(2))
            time.sleep(max(0.0, 1.02 - (time.monotonic() - started)))
    return statuses


def test_the_gateway_counts_a_request_on_arrival_not_after_its_answer_time():
    with SimulatorServer(rate_limit=2) as server:
        statuses = paced_pairs(server, latency_ms=0, latency_jitter_ms=600)

    assert 429 not in statuses


def test_transit_jitter_reaches_the_gateway_and_can_break_a_tight_pace():
    with SimulatorServer(rate_limit=2) as server:
        statuses = paced_pairs(server, transit_jitter_ms=600)

    assert 429 in statuses


def test_reset_stats_starts_counting_again(limited):
    token_response(limited.token_url, "k")

    limited.admin.reset_stats()

    stats = limited.admin.stats()
    assert stats["total_requests"] == 0
    assert stats["max_requests_per_window"] == {}
