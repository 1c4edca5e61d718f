"""Spreading each tenant's scheduled work (expense imports, reconciliations) over a span:
a stable offset per tenant, so 200 tenants do not all ask PowerOffice Go at once, and each
keeps its place across restarts and whatever the beat's own timing."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from typing import Protocol, TypeVar

from celery import Celery
from sqlalchemy import or_, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from config.tasks import TaskName
from sync_worker import outbox
from sync_worker.db.models import Tenant
from sync_worker.db.session import session_scope

log = logging.getLogger(__name__)
D = TypeVar("D", bound="Due")


def spread_offset(key: str, span: dt.timedelta) -> dt.timedelta:
    """Where within `span` the work named `key` falls; the same on every host and run."""
    digest = hashlib.sha256(key.encode()).digest()
    span_ms = max(1, int(span.total_seconds() * 1000))
    return dt.timedelta(milliseconds=int.from_bytes(digest[:8], "big") % span_ms)


def as_utc(moment: dt.datetime) -> dt.datetime:
    # SQLite (the demo) gives timestamps back without their zone; they are stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def take_slot(
    session: Session, tenant_id: int, column: InstrumentedAttribute, slot: dt.datetime
) -> bool:
    """Mark the tenant's `slot` as scheduled in `column` (a conditional UPDATE); False when
    another beat, or an earlier tick, took it first."""
    result = session.execute(
        update(Tenant)
        .where(Tenant.id == tenant_id, or_(column.is_(None), column < slot))
        # updated_at tells when an operator changed a setting; scheduling is not that.
        .values({column: slot, Tenant.updated_at: Tenant.updated_at})
    )
    return result.rowcount == 1


def free_slot(tenant_id: int, column: InstrumentedAttribute, slot: dt.datetime) -> None:
    """Give the slot back (its task could not be sent), so the next tick tries again."""
    with session_scope() as session:
        session.execute(
            update(Tenant)
            .where(Tenant.id == tenant_id, column == slot)
            .values({column: None, Tenant.updated_at: Tenant.updated_at})
        )


class Due(Protocol):
    """A tenant's scheduled run for one slot: when, and how long it may wait in the queue."""

    tenant_id: int
    slot: dt.datetime
    countdown: float
    expires: float

    @property
    def task_id(self) -> str: ...


def enqueue_once(
    app: Celery, candidates: Iterable[D], task: TaskName, column: InstrumentedAttribute
) -> list[D]:
    """Send each candidate's task once: its slot is taken first (in `column`), and given
    back when the broker cannot take the task, so that the next tick tries again."""
    enqueued = []
    for due in candidates:
        with session_scope() as session:
            if not take_slot(session, due.tenant_id, column, due.slot):
                continue
            about = outbox.About(session.get_one(Tenant, due.tenant_id).code)
        try:
            app.send_task(
                task.name,
                kwargs={"tenant_id": due.tenant_id},
                argsrepr=outbox.label(task, about),
                queue=str(task.queue),
                countdown=due.countdown,
                expires=due.expires,
                task_id=due.task_id,
            )
        except Exception:  # the broker is down
            log.warning(
                "could not enqueue %s; the next tick tries again", due.task_id, exc_info=True
            )
            free_slot(due.tenant_id, column, due.slot)
            continue
        enqueued.append(due)
    return enqueued
