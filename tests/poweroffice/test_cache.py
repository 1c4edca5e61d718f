"""The look-up cache's lifetime: hours by default, and what is left of it, per table."""

from __future__ import annotations

import dataclasses

import responses

from config.settings import load_settings
from tests.poweroffice.conftest import BASE, api_calls

ACCOUNTS = f"{BASE}/GeneralLedgerAccounts"


def test_reference_data_is_kept_for_hours_by_default(monkeypatch):
    monkeypatch.delenv("POGO_LOOKUP_CACHE_SECONDS", raising=False)

    assert load_settings().pogo_lookup_cache_seconds == 6 * 3600


def test_what_is_left_of_a_cached_tables_lifetime(client, rsps, token_endpoint, settings):
    rsps.add(responses.GET, ACCOUNTS, json=[{"Id": 11, "AccountNo": 3000}])
    assert client.lookups.expires_in("accounts") is None

    client.accounts.by_number()

    left = client.lookups.expires_in("accounts")
    assert left is not None
    assert settings.pogo_lookup_cache_seconds - 5 < left <= settings.pogo_lookup_cache_seconds
    assert len(api_calls(rsps)) == 1


def test_with_caching_off_nothing_is_cached_to_expire(make_client, settings, rsps, token_endpoint):
    client = make_client(settings=dataclasses.replace(settings, pogo_lookup_cache_seconds=0))
    rsps.add(responses.GET, ACCOUNTS, json=[{"Id": 11, "AccountNo": 3000}])

    client.accounts.by_number()

    assert client.lookups.expires_in("accounts") is None
