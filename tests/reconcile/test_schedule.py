"""When the daily reconciliations run: once a Norwegian day, each tenant at its own moment
in the off-peak window, taken once however many beats run; and the period they compare."""

from __future__ import annotations

import datetime as dt

import pytest

from config.tasks import RECONCILE_TENANT, QueueName
from sync_worker.db.session import session_scope
from sync_worker.norway import OSLO
from sync_worker.reconcile.schedule import (
    TICK,
    daily_period,
    daily_slot,
    due_reconciliation,
    enqueue_due_reconciliations,
)
from sync_worker.tenants import add_tenant

ONE_AM = dt.time(1, 0)
FOUR_HOURS = dt.timedelta(hours=4)


def slot_of(tenant_id: int, day: dt.date) -> dt.datetime:
    return daily_slot(tenant_id, day, ONE_AM, FOUR_HOURS)


@pytest.mark.parametrize(
    ("today", "period"),
    [
        (dt.date(2026, 12, 2), (dt.date(2026, 11, 1), dt.date(2026, 12, 2))),
        (dt.date(2026, 1, 31), (dt.date(2025, 12, 1), dt.date(2026, 1, 31))),
        (dt.date(2026, 3, 1), (dt.date(2026, 2, 1), dt.date(2026, 3, 1))),
    ],
)
def test_the_period_is_this_month_and_the_last(today, period):
    assert daily_period(today) == period


def test_every_tenant_runs_inside_the_window_in_oslo_time_and_they_are_spread():
    day = dt.date(2026, 12, 2)
    local = [slot_of(tenant_id, day).astimezone(OSLO) for tenant_id in range(1, 301)]

    opens = dt.datetime.combine(day, ONE_AM, tzinfo=OSLO)
    assert all(opens <= moment < opens + FOUR_HOURS for moment in local)
    busiest_minute = max(
        sum(1 for m in local if (m.hour, m.minute) == (o.hour, o.minute)) for o in local
    )
    assert busiest_minute <= 6  # 300 tenants over 240 minutes, not all at 01:00
    assert slot_of(7, day) == slot_of(7, day)


def test_the_window_keeps_its_oslo_hour_across_summer_time():
    winter = slot_of(3, dt.date(2026, 1, 15)).astimezone(OSLO)
    summer = slot_of(3, dt.date(2026, 7, 15)).astimezone(OSLO)

    assert (winter.hour, winter.minute) == (summer.hour, summer.minute)
    assert slot_of(3, dt.date(2026, 1, 15)).utcoffset() == dt.timedelta(0)  # stored in UTC


def test_due_within_a_tick_of_its_moment_with_a_countdown_to_it():
    slot = slot_of(5, dt.date(2026, 12, 2))
    window = {"start": ONE_AM, "window": FOUR_HOURS}

    due = due_reconciliation(5, None, slot - TICK / 2, **window)

    assert due is not None and due.slot == slot
    assert due.countdown == pytest.approx((TICK / 2).total_seconds())
    assert due.expires > FOUR_HOURS.total_seconds()
    assert due_reconciliation(5, None, slot - 2 * TICK, **window) is None
    assert due_reconciliation(5, None, slot + 2 * TICK, **window) is None  # missed: next night
    assert due_reconciliation(5, slot, slot, **window) is None  # already taken


def test_a_window_that_crosses_midnight_finds_yesterdays_moment():
    late = {"start": dt.time(23, 30), "window": dt.timedelta(hours=2)}
    tenant = next(
        t
        for t in range(1, 200)
        if daily_slot(t, dt.date(2026, 12, 1), **late).astimezone(OSLO).date()
        == dt.date(2026, 12, 2)
    )
    slot = daily_slot(tenant, dt.date(2026, 12, 1), **late)

    due = due_reconciliation(tenant, None, slot, **late)

    assert due is not None and due.slot == slot


class Recorder:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send_task(self, name, **options) -> None:
        self.sent.append({"name": name, **options})


def test_each_moment_is_enqueued_once_however_many_beats_run(clean_db, env):
    with session_scope() as session:
        tenant_id = add_tenant(session, "acme", "client-key").id
    slot = daily_slot(tenant_id, dt.date(2026, 12, 2), ONE_AM, FOUR_HOURS)
    first, second = Recorder(), Recorder()

    enqueue_due_reconciliations(first, now=slot)
    enqueue_due_reconciliations(second, now=slot + dt.timedelta(seconds=10))

    [task] = first.sent
    assert task["name"] == RECONCILE_TENANT.name
    assert task["queue"] == QueueName.IMPORTS and task["kwargs"] == {"tenant_id": tenant_id}
    assert second.sent == []
