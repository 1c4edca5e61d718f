"""The transactional outbox: a task is stored with the data it concerns, then sent.

A task to enqueue is written as an `OutboxEntry` in the same transaction as the rows it
is about, so a message is never stored without its task nor a task sent for a message
that was rolled back. After the commit the entries are sent at once; any whose sending
failed (broker down, process killed) are sent by the periodic relay. Sending happens
before marking, so a crash in between sends a task twice, never zero times; every task
is idempotent for that reason.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from celery import Celery
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sync_worker.db.models import OutboxEntry, utcnow
from sync_worker.db.session import session_scope

log = logging.getLogger(__name__)

RELAY_GRACE = dt.timedelta(seconds=20)  # leave fresh entries to the sender that wrote them


def add(session: Session, task_name: str, queue: str, **kwargs: object) -> OutboxEntry:
    """Store a task to send after commit. `kwargs` are ids only: never payloads or secrets."""
    entry = OutboxEntry(task_name=task_name, args=kwargs, queue=queue)
    session.add(entry)
    session.flush()
    return entry


def send(entry_ids: Iterable[int], app: Celery | None = None) -> int:
    """Send committed entries now; returns how many went out. Failures stay for the relay."""
    ids = list(entry_ids)
    if not ids:
        return 0
    with session_scope() as session:
        entries = list(
            session.scalars(
                select(OutboxEntry).where(OutboxEntry.id.in_(ids), OutboxEntry.sent_at.is_(None))
            )
        )
        return _send_and_mark(session, entries, app)


def relay(app: Celery | None = None, *, limit: int = 500) -> int:
    """Send entries left unsent for longer than the grace period; safe to run concurrently."""
    with session_scope() as session:
        entries = list(
            session.scalars(
                select(OutboxEntry)
                .where(
                    OutboxEntry.sent_at.is_(None), OutboxEntry.created_at < utcnow() - RELAY_GRACE
                )
                .order_by(OutboxEntry.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        return _send_and_mark(session, entries, app)


def _send_and_mark(session: Session, entries: list[OutboxEntry], app: Celery | None) -> int:
    if app is None:
        from sync_worker.app import app
    sent = []
    for entry in entries:
        try:
            app.send_task(entry.task_name, kwargs=entry.args, queue=entry.queue)
        except Exception:  # the broker is down: the relay tries again later
            log.warning(
                "could not send outbox entry %s (%s); the relay retries",
                entry.id,
                entry.task_name,
                exc_info=True,
            )
            break
        sent.append(entry.id)
    if sent:
        session.execute(
            update(OutboxEntry).where(OutboxEntry.id.in_(sent)).values(sent_at=utcnow())
        )
    return len(sent)
