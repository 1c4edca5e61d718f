"""When each tenant's daily reconciliation runs: once a Norwegian day, at its own moment in
the off-peak window (`SYNC_RECONCILE_AT`, `SYNC_RECONCILE_WINDOW_MINUTES`: from 01:00 Oslo
time for four hours by default), spread by a hash of the tenant, so 500 tenants do not ask
PowerOffice Go at once, and each keeps its moment from one night to the next.

The beat task runs every minute (`config.beat`) and enqueues the tenants whose moment falls
within one tick of now, with a countdown to it, on the background lane (`imports` queue,
the limiter's background class): a reconciliation only takes what transfers leave. The
moment is stored in `Tenant.last_reconciliation_slot` with a conditional UPDATE, so it is
taken once however many beats run. A moment missed (beat down) is not caught up: the next
night's run covers the same period again.

The period is this month and the last, Oslo time: what accountants still work on, and a
late correction of last month is still seen in the first days of this one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from celery import Celery
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.beat import RECONCILIATION_SCHEDULER_SECONDS
from config.settings import get_settings
from config.tasks import RECONCILE_TENANT
from sync_worker import scheduling
from sync_worker.db.models import Tenant, utcnow
from sync_worker.db.session import session_scope
from sync_worker.norway import OSLO

TICK = dt.timedelta(seconds=RECONCILIATION_SCHEDULER_SECONDS)
SLOT = Tenant.last_reconciliation_slot


@dataclass(frozen=True)
class DueReconciliation:
    tenant_id: int
    slot: dt.datetime  # UTC
    countdown: float
    expires: float  # seconds: a run not started within the window is left to the next night

    @property
    def task_id(self) -> str:
        return f"reconciliation-{self.tenant_id}-{int(self.slot.timestamp())}"


def daily_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The period a daily run compares: from the first of last month up to today."""
    first_of_this_month = today.replace(day=1)
    first_of_last_month = (first_of_this_month - dt.timedelta(days=1)).replace(day=1)
    return first_of_last_month, today


def daily_slot(tenant_id: int, day: dt.date, start: dt.time, window: dt.timedelta) -> dt.datetime:
    """The tenant's moment on the Norwegian calendar day `day`, in UTC."""
    opens = dt.datetime.combine(day, start, tzinfo=OSLO)
    offset = scheduling.spread_offset(f"reconciliation:{tenant_id}", window)
    return (opens + offset).astimezone(dt.UTC)


def due_reconciliation(
    tenant_id: int,
    last_slot: dt.datetime | None,
    now: dt.datetime,
    *,
    start: dt.time,
    window: dt.timedelta,
) -> DueReconciliation | None:
    """The run to enqueue now for this tenant, or None when it is not due."""
    today = now.astimezone(OSLO).date()
    for day in (today - dt.timedelta(days=1), today):  # a window that crosses midnight
        slot = daily_slot(tenant_id, day, start, window)
        if not now - TICK < slot <= now + TICK:
            continue
        if last_slot is not None and scheduling.as_utc(last_slot) >= slot:
            return None  # taken by an earlier tick, or another beat
        countdown = max(0.0, (slot - now).total_seconds())
        return DueReconciliation(tenant_id, slot, countdown, countdown + window.total_seconds())
    return None


def due_reconciliations(session: Session, now: dt.datetime) -> list[DueReconciliation]:
    settings = get_settings()
    window = dt.timedelta(minutes=settings.reconcile_window_minutes)
    rows = session.execute(
        select(Tenant.id, Tenant.last_reconciliation_slot).where(Tenant.reconcile_daily.is_(True))
    )
    return [
        due
        for tenant_id, last_slot in rows
        if (
            due := due_reconciliation(
                tenant_id, last_slot, now, start=settings.reconcile_at, window=window
            )
        )
        is not None
    ]


def enqueue_due_reconciliations(
    app: Celery, now: dt.datetime | None = None
) -> list[DueReconciliation]:
    """Enqueue every due reconciliation once; returns what was enqueued."""
    now = now or utcnow()
    with session_scope() as session:
        candidates = due_reconciliations(session, now)
    return scheduling.enqueue_once(app, candidates, RECONCILE_TENANT, SLOT)
