"""Look-ups are cached per tenant in Redis: a warm transfer spends no calls on them."""

from __future__ import annotations

import dataclasses
import json
import time
from decimal import Decimal

import pytest
import responses

from sync_worker.poweroffice import keys
from tests.poweroffice.conftest import APPLICATION_KEY, BASE, CLIENT_KEY, all_at_once, api_calls

LOOKUPS = {
    "accounts": (
        "/GeneralLedgerAccounts",
        [{"Id": 11, "AccountNo": 3000}],
        lambda c: c.accounts.by_number,
    ),
    "vat_codes": (
        "/VatCodes",
        [{"Id": 3, "Code": "3", "Rate": 0.25}],
        lambda c: c.vat_codes.by_code,
    ),
    "departments": ("/Departments", [{"Id": 7, "Code": "200"}], lambda c: c.departments.by_code),
    "employees": ("/Employees", [{"Id": 1, "EmailAddress": "a@b.no"}], lambda c: c.employees.list),
    "lock_date": ("/LockDateSettings", {"LockDate": "2023-01-01"}, lambda c: c.lock_date.get),
}


@pytest.fixture(params=sorted(LOOKUPS))
def lookup(request, rsps, token_endpoint):
    path, answer, method = LOOKUPS[request.param]
    rsps.add(responses.GET, f"{BASE}{path}", json=answer)
    return request.param, method


def test_second_look_up_costs_no_call(client, rsps, lookup):
    _name, method = lookup

    first = method(client)()
    second = method(client)()

    assert second == first
    assert len(api_calls(rsps)) == 1


def test_cache_is_shared_by_the_tenants_workers_only(make_client, rsps, lookup):
    _name, method = lookup

    method(make_client())()
    method(make_client())()  # another worker process of the same tenant
    method(make_client("another-tenants-key"))()

    assert len(api_calls(rsps)) == 2


def test_refresh_asks_again(client, rsps, lookup):
    _name, method = lookup

    method(client)()
    method(client)(refresh=True)

    assert len(api_calls(rsps)) == 2


def test_cached_for_the_configured_time(client, redis_client, lookup):
    name, method = lookup

    method(client)()

    key = keys.lookup(keys.fingerprint(APPLICATION_KEY, CLIENT_KEY), name)
    assert 290 < redis_client.ttl(key) <= 300


def test_zero_seconds_turns_caching_off(make_client, settings, rsps, lookup):
    _name, method = lookup
    client = make_client(settings=dataclasses.replace(settings, pogo_lookup_cache_seconds=0))

    method(client)()
    method(client)()

    assert len(api_calls(rsps)) == 2


def test_cached_amounts_stay_decimal(client, rsps, token_endpoint):
    rsps.add(responses.GET, f"{BASE}/VatCodes", json=LOOKUPS["vat_codes"][1])

    client.vat_codes.by_code()
    cached = client.vat_codes.by_code()

    assert cached["3"]["Rate"] == Decimal("0.25")
    assert isinstance(cached["3"]["Rate"], Decimal)


def test_concurrent_workers_of_a_cold_tenant_load_a_table_once(
    backend, make_client, rsps, token_endpoint
):
    def slow_vat_codes(_request) -> tuple[int, dict, str]:
        time.sleep(0.2)  # long enough for every thread to find the load's lock held
        return 200, {"Content-Type": "application/json"}, json.dumps(LOOKUPS["vat_codes"][1])

    rsps.add_callback(responses.GET, f"{BASE}/VatCodes", callback=slow_vat_codes)
    results = all_at_once(make_client, backend, lambda client: client.vat_codes.by_code())

    assert len(results) == 8 and all(result == results[0] for result in results)
    assert results[0]["3"]["Rate"] == Decimal("0.25")
    assert len(api_calls(rsps)) == 1
