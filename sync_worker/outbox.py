"""The transactional outbox: a task is stored with the data it concerns, then sent.

A task to enqueue is written as an `OutboxEntry` in the same transaction as the rows it
is about, so a message is never stored without its task nor a task sent for a message
that was rolled back. After the commit the entries are sent at once; any whose sending
failed (broker down, process killed) are sent by the periodic relay. Sending happens
before marking, so a crash in between sends a task twice, never zero times; every task
is idempotent for that reason. Each entry carries a label, what the task is about in words
(`label`), sent as the task's `argsrepr` for Flower and the worker's log.

A transfer has no entry here: its stored message is its own, handed to the broker when its
tenant's turn comes (`sync_worker.dispatch`). Its follow-ups (a PDF's fallback upload, an
error e-mail) and beat's scheduled work are entries.

Sending gives up within seconds when the broker is unreachable (`PUBLISH_RETRY_POLICY`):
what was committed is safe in the outbox, and the caller (Moment's backend, an operator's
command) is not kept waiting for a broker that the relay will find again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Protocol

import redis
from celery import Celery
from kombu import Producer
from kombu.exceptions import OperationalError as BrokerError
from kombu.utils.url import maybe_sanitize_url
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from config.settings import get_settings
from config.tasks import TaskName
from sync_worker import kinds
from sync_worker.db.models import Message, OutboxEntry, utcnow
from sync_worker.db.session import session_scope

log = logging.getLogger(__name__)

RELAY_GRACE = dt.timedelta(seconds=20)  # leave fresh entries to the sender that wrote them
# One quick reconnect, then the entries are left to the relay: a publish waits about a
# second for a broker that is down, not kombu's default of several tries.
PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
_BROKER_DOWN = (
    BrokerError,
    redis.ConnectionError,
    redis.TimeoutError,
    ConnectionError,
    TimeoutError,
)


LABEL_LENGTH = OutboxEntry.__table__.c.label.type.length


@dataclass(frozen=True)
class About:
    """What a task concerns: a tenant (its code), and the kind and number of the entity
    when there is one. Never a payload or a secret."""

    tenant: str
    kind: str | None = None
    number: str | None = None

    @classmethod
    def message(cls, message: Message) -> About:
        return cls(message.tenant.code, message.kind, message.entity_number)


def label(task: TaskName, about: About) -> str:
    """The task in words, sent as its `argsrepr` for Flower and the worker's log: "acme
    invoice 10023", "acme error e-mail for invoice 10023", "acme expense import"."""
    entity = f"{kinds.get(about.kind).label} {about.number}" if about.kind else ""
    words = (about.tenant, task.work, "for" if task.work and entity else "", entity)
    return " ".join(word for word in words if word)[:LABEL_LENGTH]


def add(
    session: Session, task: TaskName, *, about: About | None = None, **kwargs: object
) -> OutboxEntry:
    """Store a task to send after commit, for its own queue. `kwargs` are ids only: never
    payloads or secrets; `about` gives the task its label."""
    entry = OutboxEntry(
        task_name=task.name,
        args=kwargs,
        queue=str(task.queue),
        label=label(task, about) if about else None,
    )
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


def settle(session: Session, entry_id: int) -> None:
    """Mark a stored fallback task as needless, in `session`'s transaction: what it would
    do was done. Marked sent, never deleted, so the outbox keeps every task decided on."""
    session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id == entry_id, OutboxEntry.sent_at.is_(None))
        .values(sent_at=utcnow())
    )


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
    if not send_now(app, entries):
        return 0
    session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id.in_([entry.id for entry in entries]))
        .values(sent_at=utcnow())
    )
    return len(entries)


class Outgoing(Protocol):
    """A task to send: an outbox entry, or a message's turn (`sync_worker.dispatch`)."""

    task_name: str
    args: dict[str, object]
    label: str | None
    queue: str


def send_now(app: Celery, tasks: Sequence[Outgoing]) -> bool:
    """Send the tasks; False when sending failed, and then any of them may or may not be
    on the broker.

    They go out through one producer in a kombu publish batch: on Redis, one pipelined
    round trip instead of one (and a fresh client) per task, which was half the producer's
    time per message. A failed batch may have been delivered in part, so the caller sends
    it all again later: twice at worst, never lost (see above).
    """
    if not tasks:
        return False
    try:
        with app.producer_or_acquire() as producer, _batch(producer):
            for task in tasks:
                app.send_task(
                    task.task_name,
                    kwargs=task.args,
                    argsrepr=task.label,  # Celery's own repr of the ids when None
                    queue=task.queue,
                    producer=producer,
                    retry=True,
                    retry_policy=PUBLISH_RETRY_POLICY,
                )
    except _BROKER_DOWN as exc:
        count = len(tasks)
        log.warning(
            "stored; %s: %s sent when it is back",
            broker_problem(exc, app.conf.broker_url),
            "it is" if count == 1 else f"its {count} tasks are",
        )
        return False
    except Exception:  # not the broker being down: a bug, with its traceback for a person
        log.exception(
            "could not send %d tasks (first %s); they are sent again later",
            len(tasks),
            tasks[0].task_name,
        )
        return False
    return True


def broker_problem(exc: BaseException, url: str | None = None) -> str:
    """One line for an operator on `exc`, a failure to reach the broker at `url` (default:
    SYNC_BROKER_URL), shown without its password."""
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    where = maybe_sanitize_url(url or get_settings().broker_url)
    return f"the broker {where} (SYNC_BROKER_URL) is unreachable ({reason})"


def _batch(producer: Producer) -> AbstractContextManager:
    # kombu before 5.7 has no publish batches; each task then goes out on its own.
    batch = getattr(producer, "batch", None)
    return batch() if batch is not None else nullcontext()
