"""Look-ups are cached per tenant in real Redis: with the simulator, as with mocked answers
(tests/poweroffice/test_lookups.py), a warm transfer spends no calls on them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from sandbox.simulator.auth import DEFAULT_APPLICATION_KEY
from sync_worker.poweroffice import PowerOfficeClient, keys
from tests.contract.helpers import answered, with_settings

Lookup = Callable[[PowerOfficeClient], Callable[..., object]]

LOOKUPS: dict[str, tuple[str, Lookup]] = {
    "accounts": ("/GeneralLedgerAccounts", lambda c: c.accounts.by_number),
    "vat_codes": ("/VatCodes", lambda c: c.vat_codes.by_code),
    "departments": ("/Departments", lambda c: c.departments.by_code),
    "employees": ("/Employees", lambda c: c.employees.list),
    "lock_date": ("/LockDateSettings", lambda c: c.lock_date.get),
}


@pytest.fixture(params=sorted(LOOKUPS))
def lookup(request) -> tuple[str, Lookup]:
    return request.param, LOOKUPS[request.param][1]


def asked(admin, name: str) -> int:
    return sum(answered(admin, f"GET /v2{LOOKUPS[name][0]}").values())


def test_second_look_up_costs_no_call(client, admin, lookup):
    name, method = lookup

    first = method(client)()
    second = method(client)()

    assert second == first
    assert asked(admin, name) == 1


def test_cache_is_shared_by_the_tenants_workers_only(make_client, new_client_key, admin, lookup):
    name, method = lookup

    method(make_client())()
    method(make_client())()  # another worker process of the same tenant
    method(make_client(new_client_key()))()

    assert asked(admin, name) == 2


def test_refresh_asks_again_and_finds_the_same(client, admin, lookup):
    name, method = lookup

    cached = method(client)()
    fresh = method(client)(refresh=True)

    assert fresh == cached
    assert asked(admin, name) == 2


def test_cached_for_the_configured_time(client, client_key, redis_client, settings, lookup):
    name, method = lookup

    method(client)()

    key = keys.lookup(keys.fingerprint(DEFAULT_APPLICATION_KEY, client_key), name)
    configured = settings.pogo_lookup_cache_seconds
    assert configured - 10 < redis_client.ttl(key) <= configured


def test_zero_seconds_turns_caching_off(make_client, settings, admin, lookup):
    name, method = lookup
    client = make_client(settings=with_settings(settings, pogo_lookup_cache_seconds=0))

    method(client)()
    method(client)()

    assert asked(admin, name) == 2


def test_cached_amounts_stay_decimal(client):
    client.vat_codes.by_code()
    cached = client.vat_codes.by_code()

    assert cached["3"]["Rate"] == Decimal("0.25")
    assert isinstance(cached["3"]["Rate"], Decimal)
