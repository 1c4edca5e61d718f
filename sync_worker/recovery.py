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
- **anything else** (a dispatcher gone between its commit and its send, a task that
  never reached the broker): handed out longer than `NEVER_RECEIVED` ago and never
  received by a worker.

A lost message is given back to the dispatcher (`sync_worker.dispatch.give_back`) to wait
for its tenant's turn, and the sweep fills the broker's window, as every sweep does (it is
the dispatcher's backstop too). PostgreSQL is the truth: enqueueing a message again is
always safe, because every task is idempotent (a finished message is skipped, a running
one waits on its entity's lock, a posted voucher is never posted again).
"""

from __future__ import annotations

import datetime as dt
import logging

import redis
from sqlalchemy import select, update

from config.celery import TASK_QUEUES
from config.settings import get_settings
from config.tasks import SEND_ERROR_EMAIL, SEND_RECONCILIATION_EMAIL
from sync_worker import dispatch
from sync_worker.db.models import Message, MessageStatus, OutboxEntry, utcnow
from sync_worker.db.session import session_scope

log = logging.getLogger(__name__)

BATCH = 500  # messages given back per sweep and rule; the next sweep takes the rest
NEVER_RECEIVED_LEASES = 2
BROKER_MARK = "sync-worker:broker-intact"  # gone from the broker's Redis: it lost its data
EMAIL_TASKS = (SEND_ERROR_EMAIL.name, SEND_RECONCILIATION_EMAIL.name)


def sweep() -> int:
    """Give every message whose task was lost back to the dispatcher, then fill the
    broker's window; how many were given back."""
    requeued = _after_broker_loss() if _broker_lost_its_data() else 0
    with session_scope() as session:
        expired = list(session.scalars(_lease_run_out()))
        never = list(session.scalars(_never_received()))
    requeued += _requeue(expired, _still_expired) + _requeue(never, _still_unreceived)
    dispatch.fill()
    return requeued


def _requeue(message_ids: list[str], still_lost=lambda query: query) -> int:
    """Give the messages back to wait for a turn: those still lost once locked
    (`still_lost`); those another sweep holds right now are its to do."""
    requeued = 0
    for start in range(0, len(message_ids), BATCH):
        with session_scope() as session:
            lost = list(
                session.scalars(
                    still_lost(select(Message.id))
                    .where(
                        Message.id.in_(message_ids[start : start + BATCH]),
                        Message.status == MessageStatus.QUEUED,
                    )
                    .with_for_update(skip_locked=True)
                )
            )
            dispatch.give_back(session, lost)
        requeued += len(lost)
    if requeued:
        log.warning("gave %d messages whose task was lost back to the dispatcher", requeued)
    return requeued


def never_received_cutoff() -> dt.datetime:
    """Handed to the broker before this and never received: lost. Two leases: the broker
    holds a short window only (`SYNC_DISPATCH_WINDOW`), so a task waits there seconds,
    not minutes, unless every worker is gone; and then giving it back sends nothing again
    while the window is full."""
    return utcnow() - NEVER_RECEIVED_LEASES * dt.timedelta(seconds=get_settings().lease_seconds)


def _still_expired(query):
    return query.where(Message.lease_until < utcnow())


def _still_unreceived(query):
    return query.where(
        Message.lease_until.is_(None), Message.dispatched_at < never_received_cutoff()
    )


def _lease_run_out():
    return (
        select(Message.id)
        .where(Message.status == MessageStatus.QUEUED, Message.lease_until < utcnow())
        .limit(BATCH)
    )


def _never_received():
    """Still queued, handed to the broker long ago, never held by a worker."""
    return (
        select(Message.id)
        .where(
            Message.status == MessageStatus.QUEUED,
            Message.lease_until.is_(None),
            Message.dispatched_at < never_received_cutoff(),
        )
        .order_by(Message.dispatched_at)
        .limit(BATCH)
    )


def _after_broker_loss() -> int:
    """The queues' routes declared again (they were keys in the lost Redis: without them a
    task sent to its queue is undeliverable), then everything unfinished waits for its
    turn again, and the e-mails of the interval go out again."""
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
    log.warning(
        "the broker lost its data: %d unfinished messages wait for their turn again",
        len(unfinished),
    )
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
