"""Work that was lost comes back by itself: the sweep, every half lease in every worker (a
thread of its main process) and on beat.

Every worker sweeps, not beat alone: after the broker lost its data, beat's task would go
to a queue whose route is gone, and never arrive; a worker's own thread needs no broker
to notice, and declares the routes again.

Three ways a message's task can be lost, and how each is found:

- **its worker died** (SIGKILL, a node lost, a deploy that outlived its grace period): the
  message's lease has run out (`sync_worker.leases`);
- **the broker lost it** (Redis flushed, or back empty after a restart): a key the sweep
  keeps in the broker's Redis is gone. Every unfinished message is enqueued again, and the
  e-mails sent to the broker within the e-mail interval are sent again (they are deduplicated
  by their error within that interval, so nobody gets one twice);
- **anything else** (an enqueue that never reached the broker and was not in the outbox):
  still queued, never tried, and older than the broker's visibility timeout.

PostgreSQL is the truth: enqueueing a message again is always safe, because every task is
idempotent (a finished message is skipped, a running one waits on its entity's lock, a
posted voucher is never posted again).
"""

from __future__ import annotations

import datetime as dt
import logging

import redis
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from config.celery import TASK_QUEUES
from config.settings import get_settings
from config.tasks import SEND_ERROR_EMAIL, SEND_RECONCILIATION_EMAIL
from sync_worker import outbox
from sync_worker.db.models import Attempt, Message, MessageStatus, OutboxEntry, utcnow
from sync_worker.db.session import session_scope

log = logging.getLogger(__name__)

BATCH = 500  # messages enqueued again per sweep and rule; the next sweep takes the rest
BROKER_MARK = "sync-worker:broker-intact"  # gone from the broker's Redis: it lost its data
EMAIL_TASKS = (SEND_ERROR_EMAIL.name, SEND_RECONCILIATION_EMAIL.name)


def sweep() -> int:
    """Enqueue again every message whose task was lost; how many were enqueued."""
    requeued = _after_broker_loss() if _broker_lost_its_data() else 0
    with session_scope() as session:
        expired = list(session.scalars(_lease_run_out()))
        never = list(session.scalars(_never_tried()))
    return requeued + _requeue(expired, _still_expired) + _requeue(never, _still_untried)


def _requeue(message_ids: list[str], still_lost=lambda query: query) -> int:
    """Enqueue the messages again: those still lost once locked (`still_lost`); those
    another sweep holds right now are its to do."""
    requeued = 0
    for start in range(0, len(message_ids), BATCH):
        with session_scope() as session:
            messages = session.scalars(
                still_lost(select(Message))
                .where(
                    Message.id.in_(message_ids[start : start + BATCH]),
                    Message.status == MessageStatus.QUEUED,
                )
                .with_for_update(skip_locked=True)
            )
            entry_ids = [_enqueue(session, message) for message in messages]
        outbox.send(entry_ids)
        requeued += len(entry_ids)
    if requeued:
        log.warning("enqueued %d messages again whose task was lost", requeued)
    return requeued


def _enqueue(session: Session, message: Message) -> int:
    # Given to the broker again: a worker that receives it takes the lease; one that never
    # arrives is lost again only after the broker's own visibility timeout.
    message.lease_until = utcnow() + dt.timedelta(seconds=_visibility_seconds())
    return outbox.add_transfer(session, message).id


def _visibility_seconds() -> int:
    return get_settings().visibility_timeout_seconds + 60


def _still_expired(query):
    return query.where(Message.lease_until < utcnow())


def _still_untried(query):
    return query.where(Message.lease_until.is_(None))


def _lease_run_out():
    return (
        select(Message.id)
        .where(Message.status == MessageStatus.QUEUED, Message.lease_until < utcnow())
        .limit(BATCH)
    )


def _never_tried():
    """Still queued, never held, nothing tried for longer than any task may wait."""
    cutoff = utcnow() - dt.timedelta(seconds=_visibility_seconds())
    recent = select(Attempt.id).where(
        Attempt.message_id == Message.id, Attempt.created_at >= cutoff
    )
    return (
        select(Message.id)
        .where(
            Message.status == MessageStatus.QUEUED,
            Message.lease_until.is_(None),
            Message.received_at < cutoff,
            ~recent.exists(),
        )
        .order_by(Message.received_at)
        .limit(BATCH)
    )


def _after_broker_loss() -> int:
    """The queues' routes declared again (they were keys in the lost Redis: without them a
    task sent to its queue is undeliverable), then everything unfinished goes out again,
    and the e-mails of the interval."""
    _declare_queues()
    since = utcnow() - dt.timedelta(seconds=get_settings().error_email_interval_seconds)
    with session_scope() as session:
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.task_name.in_(EMAIL_TASKS), OutboxEntry.sent_at >= since)
            .values(sent_at=None)
        )
        unfinished = list(
            session.scalars(
                select(Message.id)
                .where(Message.status == MessageStatus.QUEUED)
                .order_by(Message.received_at)
            )
        )
    log.warning("the broker lost its data: %d unfinished messages go out again", len(unfinished))
    return _requeue(unfinished)


def _declare_queues() -> None:
    from sync_worker.app import app  # the app imports this module for its signals

    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in TASK_QUEUES:
            queue(channel).declare()


def _broker_lost_its_data() -> bool:
    """True once after the broker's Redis lost its keys (and the first time ever); the mark
    is set again at once, so one sweep of many recovers."""
    settings = get_settings()
    if not settings.broker_url.startswith("redis"):
        return False  # the demo's in-memory broker lives and dies with its process
    client = redis.Redis.from_url(settings.broker_url, socket_timeout=5, socket_connect_timeout=5)
    try:
        return bool(client.set(f"{settings.broker_key_prefix}{BROKER_MARK}", "1", nx=True))
    finally:
        client.close()
