"""When each tenant's expense import runs: at its own slot, spread over its interval.

Every tenant has a stable offset within its interval (a hash of its id), and its imports
fall at `offset + k · interval` (k counted from the Unix epoch). So 200 tenants on 15
minutes run about one every 4.5 s instead of all at once, and keep their place from one
interval to the next, across restarts and whatever the beat's own timing.

The beat task runs every minute (`config.beat`). Each run enqueues the tenants whose slot
falls within one tick of now, with a countdown to that slot (to a tick after it when it
has just passed; never more than a tick, so no task waits long in a worker's memory or
nears the broker's visibility timeout), and
stores the slot in `Tenant.last_import_at` with a conditional UPDATE: the slot is taken
once, however many beats run. A slot missed by more than a tick (beat or broker down) is
not caught up: the next one is at most an interval away, and catching up would send
every tenant's import at the same moment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from celery import Celery
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.beat import EXPENSE_SCHEDULER_SECONDS
from config.tasks import IMPORT_EXPENSES
from sync_worker import scheduling
from sync_worker.db.models import Tenant, utcnow
from sync_worker.db.session import session_scope

TICK = dt.timedelta(seconds=EXPENSE_SCHEDULER_SECONDS)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class DueImport:
    """One tenant's import for one slot: enqueue it with this countdown and expiry."""

    tenant_id: int
    slot: dt.datetime
    countdown: float  # seconds from now to the slot (to a tick after it, when just passed)
    expires: float  # seconds: an import still queued at the next slot is superseded by it

    @property
    def task_id(self) -> str:
        return f"expense-import-{self.tenant_id}-{int(self.slot.timestamp())}"


def spread_offset(tenant_id: int, interval: dt.timedelta) -> dt.timedelta:
    """Where in each interval the tenant's import falls; the same on every host and run."""
    return scheduling.spread_offset(f"expense-import:{tenant_id}", interval)


def slot_at_or_before(
    moment: dt.datetime, offset: dt.timedelta, interval: dt.timedelta
) -> dt.datetime:
    """The latest of the tenant's slots (`offset + k · interval`) not after `moment`."""
    periods = (moment - EPOCH - offset) // interval
    return EPOCH + offset + periods * interval


def due_import(
    tenant_id: int,
    interval_minutes: int,
    last_import_at: dt.datetime | None,
    now: dt.datetime,
) -> DueImport | None:
    """The import to enqueue now for this tenant, or None when it is not due."""
    interval = dt.timedelta(minutes=max(1, interval_minutes))
    slot = slot_at_or_before(now + TICK, spread_offset(tenant_id, interval), interval)
    if slot <= now - TICK:  # missed (beat was away): the next slot comes, no catch-up
        return None
    if last_import_at is not None and scheduling.as_utc(last_import_at) >= slot:
        return None  # this slot is taken (an earlier tick, or another beat)
    countdown = (slot - now).total_seconds()
    if countdown < 0:
        # Just passed (the beat started, or this tick came late): start one tick after the
        # slot rather than now, so the slots that just passed keep their spread too.
        countdown += TICK.total_seconds()
    return DueImport(tenant_id, slot, countdown, countdown + interval.total_seconds())


def due_imports(session: Session, now: dt.datetime) -> list[DueImport]:
    """Every enabled tenant's import due at `now`."""
    rows = session.execute(
        select(Tenant.id, Tenant.import_interval_minutes, Tenant.last_import_at).where(
            Tenant.expense_import_enabled.is_(True)
        )
    )
    return [due for row in rows if (due := due_import(*row, now)) is not None]


def enqueue_due_imports(app: Celery, now: dt.datetime | None = None) -> list[DueImport]:
    """Enqueue every due import once, on the `imports` queue; returns what was enqueued."""
    now = now or utcnow()
    with session_scope() as session:
        candidates = due_imports(session, now)
    return scheduling.enqueue_once(app, candidates, IMPORT_EXPENSES, Tenant.last_import_at)
