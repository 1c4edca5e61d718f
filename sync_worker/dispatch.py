"""Fair turns on the shared PowerOffice Go budget: which waiting message goes to the
broker next.

Every tenant shares one rate limit, so the `transfers` queue must never be first come,
first served: one tenant's 2 000 invoices would hold up a small firm's single invoice for
as long as they take. So a message is not sent to the broker when it is stored. It waits
in the `messages` table (`dispatched_at` is None: the stored message is its own outbox
entry), and the broker holds only a short window of tasks, `SYNC_DISPATCH_WINDOW`. Each
time that window runs half empty (a task ends, a message is published, beat's relay, a
worker's sweep) the dispatcher fills it:

- round robin over the tenants with work: the tenant whose last turn is longest ago goes
  first, so a tenant with nothing else pending is next in line the moment it publishes,
  and every tenant with a backlog gets an even share of the turns while it has work;
- within a tenant, one entity saved or finalized on its own (`Lane.INTERACTIVE`) goes
  ahead of the tenant's batches and re-transfers (`Lane.BULK`), then arrival order.

Exactly-once and each entity's order are the runner's, as before (a message's lock, its
version, its recorded steps); the dispatcher only chooses when a task is sent. Handing a
message out is one UPDATE of its `dispatched_at`, guarded by `dispatched_at IS NULL`, so
two dispatchers at once never hand out the same message, and a task is sent only after the
commit that marked it: a message is never sent before a worker can read it. A dispatcher
that dies between the commit and the send leaves messages marked but never received; the
sweep gives them back to the dispatcher after `NEVER_RECEIVED` (`sync_worker.recovery`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from celery import Celery
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from config.settings import get_settings
from config.tasks import QueueName
from sync_worker import kinds, outbox
from sync_worker.db.models import Lane, Message, MessageStatus, Tenant, utcnow
from sync_worker.db.session import session_scope

log = logging.getLogger(__name__)

QUEUE = QueueName.TRANSFERS  # where every transfer task goes (config/tasks.py)


def lane_of(messages_in_call: int) -> Lane:
    """A tenant's message published on its own is interactive; one of several in the same
    call (a batch, an operator's re-transfer of many) is bulk."""
    return Lane.INTERACTIVE if messages_in_call <= 1 else Lane.BULK


def fill(app: Celery | None = None) -> int:
    """Hand waiting messages to the broker, fairly, while its window has room; how many
    were sent. Never raises for the broker or the database being down: what is not sent
    waits, and the next task's end, publish, relay or sweep fills again."""
    space = room(app)
    if not space:
        return 0
    try:
        with session_scope() as session:
            turns = take_turns(session, space)
    except Exception as exc:  # our infrastructure: they wait, nothing is lost
        log.warning("could not dispatch waiting messages (%s); the next fill tries again", exc)
        return 0
    return send(turns, app)


@dataclass(frozen=True)
class Turn:
    """One message handed out: what its task needs, and its label for Flower."""

    message_id: str
    kind: str
    number: str
    tenant: str

    @property
    def task_name(self) -> str:
        return kinds.get(self.kind).task.name

    @property
    def args(self) -> dict[str, object]:
        return {"message_id": self.message_id}

    @property
    def queue(self) -> str:
        return str(kinds.get(self.kind).task.queue)

    @property
    def label(self) -> str:
        return outbox.label(
            kinds.get(self.kind).task, outbox.About(self.tenant, self.kind, self.number)
        )


def take_turns(session: Session, room: int) -> list[Turn]:
    """Choose up to `room` waiting messages, fairly, and mark them handed out in
    `session`'s transaction; the caller sends them after the commit."""
    picked = list(session.execute(_next_turns(room)))
    if not picked:
        return []
    now = utcnow()
    taken = set(
        session.scalars(
            update(Message)
            .where(Message.id.in_([row.id for row in picked]), Message.dispatched_at.is_(None))
            .values(dispatched_at=now)
            .returning(Message.id)
            .execution_options(synchronize_session=False)
        )
    )
    turns = [Turn(r.id, r.kind, r.entity_number, r.code) for r in picked if r.id in taken]
    _remember_turns(session, [r.tenant_id for r in picked if r.id in taken], now)
    return turns


def _next_turns(room: int):
    """The next `room` turns: each tenant's waiting messages numbered in its own order
    (interactive first, then arrival), then turn 1 of every tenant, longest-waiting tenant
    first, then turn 2 of every tenant, and so on."""
    own_order = func.row_number().over(
        partition_by=Message.tenant_id,
        order_by=(
            case((Message.lane == Lane.INTERACTIVE, 0), else_=1),
            Message.received_at,
            Message.id,
        ),
    )
    waiting = (
        select(
            Message.id,
            Message.tenant_id,
            Message.kind,
            Message.entity_number,
            own_order.label("turn"),
        )
        .where(Message.status == MessageStatus.QUEUED, Message.dispatched_at.is_(None))
        .subquery()
    )
    return (
        select(waiting, Tenant.code)
        .join(Tenant, Tenant.id == waiting.c.tenant_id)
        .where(waiting.c.turn <= room)
        .order_by(waiting.c.turn, Tenant.dispatched_at.asc().nulls_first(), Tenant.id)
        .limit(room)
    )


def _remember_turns(session: Session, tenant_ids: Sequence[int], now: dt.datetime) -> None:
    # Each tenant's last turn, a microsecond apart in the order given: the next fill goes
    # on where this one stopped.
    last = {tenant_id: index for index, tenant_id in enumerate(tenant_ids)}
    for tenant_id, index in last.items():
        session.execute(
            update(Tenant)
            .where(Tenant.id == tenant_id)
            # updated_at tells when an operator changed a setting; a turn is not that.
            .values(
                dispatched_at=now + dt.timedelta(microseconds=index),
                updated_at=Tenant.updated_at,
            )
            .execution_options(synchronize_session=False)
        )


def give_back(session: Session, message_ids: Iterable[str]) -> None:
    """Put unfinished messages back to wait for a turn (their task was lost), in
    `session`'s transaction; the caller fills after the commit."""
    ids = list(message_ids)
    if ids:
        session.execute(
            update(Message)
            .where(Message.id.in_(ids), Message.status == MessageStatus.QUEUED)
            .values(dispatched_at=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )


def room(app: Celery | None = None) -> int:
    """Room in the broker's window, or 0 while it is more than half full (filling in
    half-windows costs one query per several tasks, not one per task) or unreachable."""
    window = get_settings().dispatch_window
    app = app or _app()
    try:
        waiting = queued_in_broker(app)
    except Exception as exc:  # the broker is down: nothing can be sent now anyway
        problem = outbox.broker_problem(exc, app.conf.broker_url)
        log.warning("%s: what is stored waits, and is sent when it is back", problem)
        return 0
    return window - waiting if waiting <= window // 2 else 0


def queued_in_broker(app: Celery) -> int:
    """Transfer tasks in the broker that no worker has taken yet."""
    # A pooled connection, as a send takes: a fresh one (and a fresh Redis client for its
    # channel) cost a third of a publish.
    # A pool of busy connections (many threads publishing) is waited for a second at most.
    with app.pool.acquire(block=True, timeout=1) as connection:
        # Given up within a second when the broker is down, as a publish is.
        connection.ensure_connection(**outbox.PUBLISH_RETRY_POLICY)
        # A declaration answers with the count (kombu sums a Redis queue's priority
        # lists); a passive one would fail on an empty queue, whose key does not exist.
        return connection.default_channel.queue_declare(
            queue=str(QUEUE), durable=True, auto_delete=False
        ).message_count


def send(turns: Sequence[Turn], app: Celery | None = None) -> int:
    """Send the turns' tasks after the commit that took them; when the broker cannot take
    them, give them back to wait for another turn."""
    if not turns:
        return 0
    if outbox.send_now(app or _app(), turns):
        return len(turns)
    try:
        with session_scope() as session:
            give_back(session, [turn.message_id for turn in turns])
    except Exception as exc:  # the sweep gives them back after NEVER_RECEIVED
        log.warning("could not give %d turns back (%s)", len(turns), exc)
    return 0


def _app() -> Celery:
    from sync_worker.app import app  # the app's signals import this module's callers

    return app
