"""The transactional outbox: a task is stored with the data it concerns, then sent.

A task to enqueue is written as an `OutboxEntry` in the same transaction as the rows it
is about, so a message is never stored without its task nor a task sent for a message
that was rolled back. After the commit the entries are sent at once; any whose sending
failed (broker down, process killed) are sent by the periodic relay. Sending happens
before marking, so a crash in between sends a task twice, never zero times; every task
is idempotent for that reason. Each entry carries a label, what the task is about in words
(`label`), sent as the task's `argsrepr` for Flower and the worker's log.

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

import redis
from celery import Celery
from kombu import Producer
from kombu.exceptions import OperationalError as BrokerError
from kombu.utils.url import maybe_sanitize_url
from sqlalchemy import insert, select, update
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


def add_transfer(session: Session, message: Message) -> OutboxEntry:
    """Store the transfer task of a stored message, labelled with what it concerns."""
    return add(
        session,
        kinds.get(message.kind).task,
        about=About.message(message),
        message_id=message.id,
    )


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


def add_many(
    session: Session, tasks: Sequence[tuple[TaskName, dict[str, object], About]]
) -> list[int]:
    """Store several (task, kwargs, about) in one INSERT; returns their ids in order.

    One statement instead of one flush per entry: the producer stores hundreds at a time.
    """
    if not tasks:
        return []
    rows = [
        {
            "task_name": task.name,
            "queue": str(task.queue),
            "args": kwargs,
            "label": label(task, about),
        }
        for task, kwargs, about in tasks
    ]
    statement = insert(OutboxEntry).returning(OutboxEntry.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


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
    sent = _send_all(app, entries)
    if sent:
        session.execute(
            update(OutboxEntry).where(OutboxEntry.id.in_(sent)).values(sent_at=utcnow())
        )
    return len(sent)


def _send_all(app: Celery, entries: list[OutboxEntry]) -> list[int]:
    """Send the entries; returns the ids sent, none when sending failed.

    They go out through one producer in a kombu publish batch: on Redis, one pipelined
    round trip instead of one (and a fresh client) per task, which was half the producer's
    time per message. A failed batch may have been delivered in part, so nothing is marked
    and the relay sends it all again: twice at worst, never lost (see above).
    """
    if not entries:
        return []
    try:
        with app.producer_or_acquire() as producer, _batch(producer):
            for entry in entries:
                app.send_task(
                    entry.task_name,
                    kwargs=entry.args,
                    argsrepr=entry.label,  # Celery's own repr of the ids when None
                    queue=entry.queue,
                    producer=producer,
                    retry=True,
                    retry_policy=PUBLISH_RETRY_POLICY,
                )
    except _BROKER_DOWN as exc:
        count = len(entries)
        log.warning(
            "stored; %s: %s sent when it is back",
            broker_problem(exc, app.conf.broker_url),
            "it is" if count == 1 else f"its {count} tasks are",
        )
        return []
    except Exception:  # not the broker being down: a bug, with its traceback for a person
        log.exception(
            "could not send %d outbox entries (first %s, %s); the relay retries",
            len(entries),
            entries[0].id,
            entries[0].task_name,
        )
        return []
    return [entry.id for entry in entries]


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
