"""Which tenants are due, spread over their interval; a second beat changes nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from itertools import pairwise

import pytest
from sqlalchemy import update

from sync_worker.db.models import Tenant
from sync_worker.db.session import session_scope
from sync_worker.expenses.schedule import (
    TICK,
    due_import,
    enqueue_due_imports,
    slot_at_or_before,
    spread_offset,
)
from tests.expenses.conftest import new_tenant

START = dt.datetime(2026, 11, 25, 8, 0, 7, tzinfo=dt.UTC)
FIFTEEN = dt.timedelta(minutes=15)


def test_the_offset_is_stable_and_inside_the_interval():
    offsets = [spread_offset(tenant_id, FIFTEEN) for tenant_id in range(1, 501)]
    assert offsets == [spread_offset(tenant_id, FIFTEEN) for tenant_id in range(1, 501)]
    assert all(dt.timedelta(0) <= offset < FIFTEEN for offset in offsets)


def test_slots_repeat_every_interval_at_the_offset():
    offset = dt.timedelta(seconds=100)
    slot = slot_at_or_before(START, offset, FIFTEEN)
    assert slot <= START < slot + FIFTEEN
    assert (slot - dt.datetime(1970, 1, 1, tzinfo=dt.UTC) - offset) % FIFTEEN == dt.timedelta(0)


def run_beat(tenants: dict[int, int], ticks: int, *, jitter=lambda n: 0.0) -> list[tuple]:
    """A beat ticking every minute (late by `jitter(n)` s); returns (tenant, start time)."""
    last: dict[int, dt.datetime | None] = dict.fromkeys(tenants)
    started = []
    for n in range(ticks):
        now = START + n * TICK + dt.timedelta(seconds=jitter(n))
        for tenant_id, minutes in tenants.items():
            due = due_import(tenant_id, minutes, last[tenant_id], now)
            if due is not None:
                assert 0 <= due.countdown <= TICK.total_seconds()
                last[tenant_id] = due.slot
                started.append((tenant_id, now + dt.timedelta(seconds=due.countdown)))
    return started


def gaps_per_tenant(started: list[tuple]) -> dict[int, set[dt.timedelta]]:
    """The times between one tenant's consecutive imports."""
    starts: dict[int, list[dt.datetime]] = {}
    for tenant, at in started:
        starts.setdefault(tenant, []).append(at)
    return {tenant: {b - a for a, b in pairwise(times)} for tenant, times in starts.items()}


def test_200_tenants_are_spread_over_the_interval_once_each():
    tenants = dict.fromkeys(range(1, 201), 15)
    started = run_beat(tenants, ticks=60)  # an hour

    # Exactly every 15 minutes, nothing doubled (the first tick finds some slots just past
    # and starts those a tick late, hence from the second start on).
    later = [(tenant, at) for tenant, at in started if at > START + TICK]
    assert all(gaps == {FIFTEEN} for gaps in gaps_per_tenant(later).values())
    assert len(gaps_per_tenant(later)) == 200
    per_second = Counter(at.replace(microsecond=0) for _, at in started)
    assert max(per_second.values()) <= 3  # not all in the same second
    per_minute = Counter(at.replace(second=0, microsecond=0) for _, at in started)
    assert max(per_minute.values()) <= 30  # ~13 a minute on average


def test_a_late_beat_neither_doubles_nor_drops_an_import():
    tenants = dict.fromkeys(range(1, 51), 15)
    started = run_beat(tenants, ticks=60, jitter=lambda n: (n * 17) % 50)
    gaps = gaps_per_tenant(started)
    assert len(gaps) == 50
    # A slot that a late tick finds just past starts a tick late; none doubled or lost.
    for tenant_gaps in gaps.values():
        assert all(abs(gap - FIFTEEN) <= TICK for gap in tenant_gaps)


def test_enabled_tenants_start_at_their_next_slot_without_a_burst():
    # All switched on at once: nobody starts "now", each waits for its own slot.
    started = run_beat(dict.fromkeys(range(1, 201), 15), ticks=1)
    assert len(started) < 30


def test_each_tenant_has_its_own_interval():
    started = run_beat({1: 5, 2: 60}, ticks=60)
    per_tenant = Counter(tenant for tenant, _ in started)
    assert per_tenant[1] in (11, 12, 13) and per_tenant[2] in (0, 1, 2)


# --- against the database: a second beat ------------------------------------------------


class FakeCelery:
    """Records `send_task`; `fail=True` is a broker that is down."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[dict] = []
        self.fail = fail

    def send_task(self, name: str, **options) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.sent.append({"name": name, **options})


def slot_now(tenant_id: int, minutes: int = 15) -> dt.datetime:
    """A moment at which the tenant's slot has just come."""
    interval = dt.timedelta(minutes=minutes)
    return slot_at_or_before(START, spread_offset(tenant_id, interval), interval) + dt.timedelta(
        seconds=1
    )


@pytest.fixture
def tenant(clean_db) -> int:
    return new_tenant("acme", "client-key")


def test_a_due_import_goes_to_the_imports_queue_with_ids_only(tenant):
    app = FakeCelery()
    (due,) = enqueue_due_imports(app, now=slot_now(tenant))

    (sent,) = app.sent
    assert sent["name"] == "tasks.expenses.import_expenses"
    assert sent["queue"] == "imports"
    assert sent["kwargs"] == {"tenant_id": tenant}
    assert sent["countdown"] == 59  # the slot passed a second ago: a tick after it
    assert sent["expires"] == 59 + FIFTEEN.total_seconds()
    with session_scope() as session:
        assert session.get_one(Tenant, tenant).last_import_at == due.slot


def test_a_second_beat_or_the_next_tick_enqueues_nothing(tenant):
    first, second = FakeCelery(), FakeCelery()
    now = slot_now(tenant)
    enqueue_due_imports(first, now=now)
    enqueue_due_imports(second, now=now)  # a second beat, same moment
    enqueue_due_imports(second, now=now + TICK)  # the next tick
    assert (len(first.sent), len(second.sent)) == (1, 0)

    enqueue_due_imports(second, now=now + FIFTEEN)
    assert len(second.sent) == 1


def test_a_broker_failure_frees_the_slot_for_the_next_tick(tenant):
    now = slot_now(tenant)
    assert enqueue_due_imports(FakeCelery(fail=True), now=now) == []
    retry = FakeCelery()
    enqueue_due_imports(retry, now=now + dt.timedelta(seconds=30))
    assert len(retry.sent) == 1


def test_tenants_switched_off_are_not_scheduled(tenant):
    with session_scope() as session:
        session.execute(update(Tenant).values(expense_import_enabled=False))
    app = FakeCelery()
    enqueue_due_imports(app, now=slot_now(tenant))
    assert app.sent == []
