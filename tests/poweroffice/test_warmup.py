"""The warm-up: what runs out soon is renewed in the background lane, what is fresh or not
in use is left alone, each tenant at its own turn, and a failing tenant stops no other."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import logging
import uuid
from collections import Counter
from urllib.parse import urlsplit

import pytest
import responses

from config.beat import beat_schedule
from config.settings import get_settings, load_settings, reset_settings_cache
from config.tasks import WARM_UP_TENANTS, QueueName
from sync_worker.db.models import Message, utcnow
from sync_worker.db.session import session_scope
from sync_worker.poweroffice import client as client_module
from sync_worker.poweroffice import keys, warmup
from sync_worker.poweroffice.ratelimit import RateLimiter
from sync_worker.redis_store import get_redis
from sync_worker.tenants import add_tenant, decrypt_client_key, list_tenants
from tests.poweroffice.conftest import (
    APPLICATION_KEY,
    BASE,
    SUBSCRIPTION_KEY,
    TOKEN_URL,
    api_calls,
)

ANSWERS = {
    "/GeneralLedgerAccounts": [{"Id": 11, "AccountNo": 3000}],
    "/VatCodes": [{"Id": 3, "Code": "3", "Rate": 0.25}],
    "/Departments": [{"Id": 7, "Code": "200"}],
    "/LockDateSettings": {"LockDate": "2023-01-01"},
}
HORIZON = 600.0


@pytest.fixture
def settings(settings):
    """The look-ups kept as long as by default: far longer than the horizon."""
    return dataclasses.replace(settings, pogo_lookup_cache_seconds=6 * 3600)


@pytest.fixture
def tables(rsps, token_endpoint):
    for path, answer in ANSWERS.items():
        rsps.add(responses.GET, f"{BASE}{path}", json=answer)


def loads(rsps) -> Counter:
    return Counter(
        urlsplit(call.request.url).path.removeprefix(urlsplit(BASE).path)
        for call in api_calls(rsps)
    )


def load_what_an_invoice_reads(client) -> None:
    client.accounts.by_number()
    client.vat_codes.by_code()
    client.departments.by_code()
    client.lock_date.get()


def test_a_table_about_to_expire_is_loaded_afresh_and_a_fresh_one_left_alone(
    client, rsps, tables, redis_client
):
    load_what_an_invoice_reads(client)
    redis_client.pexpire(keys.lookup(client.key_id, "accounts"), 120_000)

    warmed = warmup.warm_up(client, HORIZON)

    assert warmed.tables == ("accounts",)
    assert loads(rsps)["/GeneralLedgerAccounts"] == 2
    assert loads(rsps)["/VatCodes"] == loads(rsps)["/LockDateSettings"] == 1
    # Loaded afresh means kept a whole lifetime again.
    assert client.lookups.expires_in("accounts") > HORIZON


def test_a_table_not_in_use_is_not_loaded(client, rsps, tables):
    client.accounts.by_number()

    warmup.warm_up(client, HORIZON)

    assert set(loads(rsps)) == {"/GeneralLedgerAccounts"}
    assert client.lookups.expires_in("employees") is None


def test_every_table_the_warm_up_names_is_the_one_its_load_caches(client, rsps, token_endpoint):
    rsps.add(responses.GET, f"{BASE}/Employees", json=[{"Id": 1, "EmailAddress": "a@b.no"}])
    rsps.add(
        responses.GET,
        f"{BASE}/SubLedgerNumberSeries",
        json=[{"FromInclusive": 10000, "ToInclusive": 19999}],
    )
    for path, answer in ANSWERS.items():
        rsps.add(responses.GET, f"{BASE}{path}", json=answer)

    for name, load_afresh in warmup.TABLES.items():
        load_afresh(client)
        assert client.lookups.expires_in(name) is not None, name


def test_the_token_is_renewed_ahead_when_it_runs_out_within_the_horizon(
    client, rsps, tables, token_endpoint, clock
):
    client.accounts.by_number()  # tok-1, 600 s: due for renewal at 540 s

    fresh = warmup.warm_up(client, 300.0)
    clock.now += 300
    due = warmup.warm_up(client, 300.0)

    assert (fresh.token, due.token) == (False, True)
    assert token_endpoint.calls == 2


# --- tenants, turns and the lane (PostgreSQL, Redis) ---


@pytest.fixture
def pogo_env(clean_db, env):
    """The environment's PowerOffice Go is the mocked one; what the test's tenants left in
    Redis goes with it."""
    subscription = f"{SUBSCRIPTION_KEY}-{uuid.uuid4().hex[:8]}"
    env.setenv("POGO_API_BASE_URL", BASE)
    env.setenv("POGO_TOKEN_URL", TOKEN_URL)
    env.setenv("POGO_APPLICATION_KEY", APPLICATION_KEY)
    env.setenv("POGO_SUBSCRIPTION_KEY", subscription)
    reset_settings_cache()
    yield env
    with session_scope() as session:
        owners = [
            keys.fingerprint(APPLICATION_KEY, decrypt_client_key(t)) for t in list_tenants(session)
        ]
    store = get_redis()
    for owner in [*owners, keys.fingerprint(subscription)]:
        for key in store.scan_iter(match=f"pogo:*{owner}*"):
            store.delete(key)


def tenant_with_message(code: str, client_key: str, *, received_days_ago: float | None) -> None:
    with session_scope() as session:
        tenant = add_tenant(session, code, client_key)
        if received_days_ago is None:
            return
        received = utcnow() - dt.timedelta(days=received_days_ago)
        session.add(
            Message(
                id=str(uuid.uuid4()),
                tenant_id=tenant.id,
                type="customer.saved",
                kind="customer",
                entity_number="1",
                version=1,
                occurred_at=received,
                received_at=received,
                payload={},
            )
        )


def warm_token_and_accounts(client_key: str) -> None:
    """A transfer has used the tenant: its token and accounts are cached, both due."""
    client = warmup.background_client(client_key)
    client.accounts.by_number()
    client.lookups._redis.pexpire(keys.lookup(client.key_id, "accounts"), 60_000)


@pytest.fixture
def every_tenants_turn(monkeypatch):
    monkeypatch.setattr(warmup, "has_turn", lambda code, now, settings: True)


def test_the_warm_up_calls_in_the_background_lane(pogo_env, rsps, tables, monkeypatch):
    key = f"key-{uuid.uuid4().hex}"
    tenant_with_message("acme", key, received_days_ago=1)
    warm_token_and_accounts(key)
    lanes = []

    class RecordingLimiter(RateLimiter):
        def acquire(self) -> float:
            lanes.append("background" if self._background else "foreground")
            return super().acquire()

    monkeypatch.setattr(client_module, "RateLimiter", RecordingLimiter)
    monkeypatch.setattr(warmup, "has_turn", lambda code, now, settings: True)

    warmed = warmup.run()

    assert "accounts" in warmed["acme"].tables
    assert lanes and set(lanes) == {"background"}


def test_only_tenants_with_a_recent_message_are_warmed(pogo_env, rsps, tables, every_tenants_turn):
    keys_by_code = {code: f"key-{uuid.uuid4().hex}" for code in ("busy", "quiet", "new")}
    tenant_with_message("busy", keys_by_code["busy"], received_days_ago=2)
    tenant_with_message("quiet", keys_by_code["quiet"], received_days_ago=40)
    tenant_with_message("new", keys_by_code["new"], received_days_ago=None)
    for key in keys_by_code.values():
        warm_token_and_accounts(key)

    assert set(warmup.run()) == {"busy"}


def test_a_tenant_whose_key_fails_is_logged_and_the_others_are_warmed(
    pogo_env, rsps, every_tenants_turn, caplog
):
    for path, answer in ANSWERS.items():
        rsps.add(responses.GET, f"{BASE}{path}", json=answer)
    revoked: set[str] = set()

    def token(request):
        if request.headers["Authorization"] in revoked:
            return (
                400,
                {"Content-Type": "application/json"},
                json.dumps({"error": "invalid_client"}),
            )
        # Tokens of 300 s: each dies before the next turn, so each is due now.
        body = {"access_token": uuid.uuid4().hex, "token_type": "bearer", "expires_in": 300}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    rsps.add_callback(responses.POST, TOKEN_URL, callback=token)
    broken, sound = f"broken-{uuid.uuid4().hex}", f"sound-{uuid.uuid4().hex}"
    tenant_with_message("aaa-broken", broken, received_days_ago=1)
    tenant_with_message("bbb-sound", sound, received_days_ago=1)
    for key in (broken, sound):
        warm_token_and_accounts(key)
    revoked.add("Basic " + base64.b64encode(f"{APPLICATION_KEY}:{broken}".encode()).decode())

    with caplog.at_level(logging.WARNING, logger=warmup.__name__):
        warmed = warmup.run()

    assert set(warmed) == {"bbb-sound"}
    assert warmed["bbb-sound"].renewed == ("token", "accounts")
    assert "warm-up of tenant aaa-broken failed" in caplog.text
    assert "client key is wrong" in caplog.text


def test_each_tenant_has_one_turn_an_interval_and_the_tenants_are_spread():
    settings = load_settings()
    start = dt.datetime(2026, 1, 31, 12, 0, tzinfo=dt.UTC)
    ticks = [
        start + dt.timedelta(seconds=n * settings.warmup_tick_seconds)
        for n in range(int(settings.warmup_interval_seconds / settings.warmup_tick_seconds))
    ]
    codes = [f"tenant-{n}" for n in range(200)]

    turns = {code: [t for t in ticks if warmup.has_turn(code, t, settings)] for code in codes}

    assert all(len(turns[code]) == 1 for code in codes)
    per_tick = Counter(turns[code][0] for code in codes)
    assert len(per_tick) == len(ticks)
    assert max(per_tick.values()) < 200 / len(ticks) * 2


def test_the_horizon_reaches_the_next_turn_and_the_tick_it_falls_in():
    settings = load_settings()
    assert warmup.horizon_seconds(settings) == (
        settings.warmup_interval_seconds + settings.warmup_tick_seconds
    )


def test_a_token_is_renewed_only_on_the_turn_before_it_would_die(
    client, rsps, tables, token_endpoint, clock
):
    """A 20-minute token (renewed 60 s before it ends) outlives two turns of 300 s: the
    warm-up renews it on the third, once every 900 s, and a transfer between turns always
    finds a live one."""
    settings = load_settings()
    interval, horizon = settings.warmup_interval_seconds, warmup.horizon_seconds(settings)
    token_endpoint.expires_in = 1200
    client.accounts.by_number()  # tok-1 at 0 s

    renewed_at = []
    for turn in range(1, 13):  # one hour of turns
        clock.now += interval / 2
        client.lock_date.get(refresh=True)  # a transfer between turns
        clock.now += interval / 2
        if warmup.warm_up(client, horizon).token:
            renewed_at.append(turn)

    assert renewed_at == [3, 6, 9, 12]
    assert token_endpoint.calls == 1 + len(renewed_at)  # no transfer had to ask for one


def test_beat_runs_the_warm_up_on_the_imports_queue_once_a_tick(env):
    settings = get_settings()

    entry = beat_schedule(settings)["warm-up-tenants"]

    assert entry["task"] == WARM_UP_TENANTS.name
    assert entry["options"]["queue"] == QueueName.IMPORTS
    assert (
        entry["schedule"] == settings.warmup_tick_seconds == (settings.warmup_interval_seconds / 10)
    )


def test_the_warm_up_is_a_registered_task(env):
    from sync_worker.app import app

    app.loader.import_default_modules()
    assert WARM_UP_TENANTS.name in app.tasks
