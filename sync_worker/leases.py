"""In-flight work has a lease: until when a worker holds a message.

A worker takes the lease when it receives a message's task, renews it at every step of the
transfer, and extends it over the countdown of a retry or a wait it schedules (the task
then sits in that worker's memory). A lease that runs out means the worker that held it
is gone (killed, its node lost): `sync_worker.recovery` enqueues the message again within
a lease, instead of the broker's visibility timeout of an hour. A lease held by a live
but slow worker that runs out costs a duplicate task, which the entity's lock and the
recorded steps make harmless: nothing is posted twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import update
from sqlalchemy.orm import Session

from config.settings import get_settings
from sync_worker.db.models import Message, MessageStatus, utcnow
from sync_worker.db.session import session_scope


def hold(
    message_ids: Iterable[str], *, beyond: float = 0.0, session: Session | None = None
) -> None:
    """Take or renew the lease of unfinished messages: one lease from now, plus `beyond`
    seconds (a retry's countdown); in `session`'s transaction when given."""
    ids = [message_id for message_id in message_ids if message_id]
    if not ids:
        return
    until = utcnow() + dt.timedelta(seconds=get_settings().lease_seconds + beyond)
    statement = (
        update(Message)
        .where(Message.id.in_(ids), Message.status == MessageStatus.QUEUED)
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )
    if session is not None:
        session.execute(statement)
        return
    with session_scope() as own:
        own.execute(statement)


def seconds_until(eta: str | dt.datetime | None) -> float:
    """Seconds from now to a task's ETA (Celery gives it as ISO text), 0 when due."""
    if not eta:
        return 0.0
    moment = dt.datetime.fromisoformat(eta) if isinstance(eta, str) else eta
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return max(0.0, (moment - utcnow()).total_seconds())
