"""Runs one message's transfer and keeps the books; knows nothing of Celery.

Under the entity's lock it skips stale messages, calls the kind's handler, and turns the
outcome into a `policy.Decision` for the task. What an error leads to is the policy's to
say, from its class alone; the runner keeps the counts it needs (waits and failures, in
the database) and the books: every try in the history, and a failure recorded with its
error e-mail enqueued in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from config.settings import get_settings
from sync_worker import counters, history, kinds, leases, outbox, policy, recheck
from sync_worker import logging as sync_logging
from sync_worker.db.models import Attempt, EntityState, Message, MessageStatus, SyncStatus, utcnow
from sync_worker.db.session import session_scope
from sync_worker.errors import EntityBusy, SyncError
from sync_worker.failures import as_sync_error
from sync_worker.locks import advisory_lock
from sync_worker.notifications import error_emails
from sync_worker.policy import Action, Decision
from sync_worker.poweroffice import PowerOfficeClient
from sync_worker.schemas.messages import parse_message
from sync_worker.tenants import decrypt_client_key
from sync_worker.transfers import messages
from sync_worker.transfers import state as states
from sync_worker.transfers.context import CallLog, Transfer

log = logging.getLogger(__name__)


# Returns True when the message is completely handled (an invoice is not, until its PDF).
Handler = Callable[[Transfer, EntityState], bool]


def run_message(message_id: str, handler: Handler, *, task_id: str | None = None) -> Decision:
    """Transfer the entity of `message_id` with `handler`; never raises for a failed transfer.

    The worker took the message's lease when it received the task; every step logged
    renews it, and a retry or wait decided here extends it over its countdown
    (`sync_worker.leases`)."""
    decision = _run(message_id, handler, task_id)
    if decision.runs_again:
        leases.hold([message_id], beyond=decision.countdown)
    return decision


def _run(message_id: str, handler: Handler, task_id: str | None) -> Decision:
    with session_scope() as session:
        message = session.get(Message, message_id, options=[joinedload(Message.tenant)])
        if message is None:
            return Decision(Action.SKIPPED, reason=f"no message {message_id} is stored")
        tenant = message.tenant
        if message.status in (MessageStatus.DONE, MessageStatus.STALE):
            return Decision(Action.SKIPPED, reason=f"message already {message.status}")
        # Its id names the books of an error; the row is read again under the lock.
        state_id = states.get_state(session, tenant.id, message.kind, message.entity_number).id
    sync_logging.bind(
        tenant=tenant.code, kind=message.kind, number=message.entity_number, message_id=message.id
    )
    with ExitStack() as held:
        try:
            held.enter_context(
                advisory_lock("entity", tenant.id, f"{message.kind}:{message.entity_number}")
            )
        except EntityBusy as busy:
            # Another worker runs this entity: its state is that worker's to write.
            return policy.decide(busy, attempt=1, max_retries=None)
        try:
            return _run_locked(message, tenant, handler, task_id)
        except Exception as exc:
            attempt = _Try(message, state_id, getattr(exc, "step", "start"), task_id)
            return _book(as_sync_error(exc, "the transfer"), attempt)


def _run_locked(message: Message, tenant, handler: Handler, task_id: str | None) -> Decision:
    # What the lock was waited for may have changed: the message and the state are read
    # again, once, and the run starts in the same transaction.
    with session_scope() as session:
        status = session.scalar(select(Message.status).where(Message.id == message.id))
        if status in (MessageStatus.DONE, MessageStatus.STALE):
            # A duplicate delivery that waited for the lock while the first one finished.
            return Decision(Action.SKIPPED, reason=f"message already {status}")
        state = states.get_state(session, tenant.id, message.kind, message.entity_number)
        stale = _stale_reason(session, message, state)
        if stale:
            _finish_message(session, message.id, MessageStatus.STALE)
            history.record(
                session,
                tenant_id=tenant.id,
                state_id=state.id,
                step="version",
                outcome="skipped",
                message_id=message.id,
                task_id=task_id,
                detail=stale,
            )
            return Decision(Action.SKIPPED, reason=stale)
        recheck_until = state.recheck_until
        if state.status == SyncStatus.FAILED:
            # Run again after it failed (Moment sent it corrected, or it is re-checked): its
            # retries start afresh, as an operator's `retry` starts them.
            state.status, state.attempts = SyncStatus.IN_PROGRESS, 0
        elif state.status != SyncStatus.DONE:
            state.status = SyncStatus.IN_PROGRESS
    calls = CallLog()
    run = Transfer(
        tenant=tenant,
        message=message,
        envelope=parse_message(message.payload),
        client=PowerOfficeClient(decrypt_client_key(tenant), observer=calls),
        calls=calls,
        task_id=task_id,
    )
    try:
        complete = handler(run, state)
    except Exception as exc:
        exc.step = run.step  # for the books: which step failed
        raise
    if complete:
        with session_scope() as session:
            _finish_message(session, message.id, MessageStatus.DONE)
            if recheck_until is not None:  # through: no more re-checks
                states.write_state(session, state.id, recheck_until=None)
        counters.transfer_decided(tenant.code, message.kind, Action.DONE)
    return Decision(Action.DONE)


def _stale_reason(session: Session, message: Message, state: EntityState) -> str | None:
    if state.transferred_version is not None and message.version < state.transferred_version:
        return (
            f"version {message.version} is older than version {state.transferred_version}, "
            "already transferred"
        )
    if kinds.get(message.kind).versioned:
        newest = messages.newest_message(
            session, message.tenant_id, message.kind, message.entity_number
        )
        if newest is not None and newest.version > message.version:
            return f"version {message.version} is superseded by version {newest.version}"
    return None


def _finish_message(
    session: Session, message_id: str, status: MessageStatus, error: str | None = None
) -> None:
    session.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(status=status, processed_at=utcnow(), error=error)
        .execution_options(synchronize_session=False)
    )


# --- deciding what happens after an error ------------------------------------------------


@dataclass(frozen=True)
class _Try:
    """Where an error met the transfer: what every record of it names."""

    message: Message
    state_id: int
    step: str
    task_id: str | None

    def record(self, session: Session, outcome: str, error: SyncError) -> Attempt:
        return history.record(
            session,
            tenant_id=self.message.tenant_id,
            state_id=self.state_id,
            step=self.step,
            outcome=outcome,
            message_id=self.message.id,
            task_id=self.task_id,
            error=error,
        )


def _book(error: SyncError, attempt: _Try) -> Decision:
    """Count what the policy needs, ask it, and keep the books of what it decided: the
    count, the state and the history in one transaction."""
    sync_logging.bind(step=attempt.step)
    verdict = policy.verdict(error)
    with session_scope() as session:
        state = session.get_one(EntityState, attempt.state_id)
        if verdict is Action.WAIT:
            count = 1 + _record(session, attempt, "waiting", error, SyncStatus.WAITING)
        elif verdict is Action.RETRY:
            state.attempts += 1
            count = state.attempts
        else:
            count = 1
        decision = policy.decide(
            error, attempt=count, max_retries=get_settings().transfer_max_retries
        )
        if decision.action is Action.RETRY:
            _record(session, attempt, "retry", error, SyncStatus.RETRYING)
        email = _fail(session, attempt, error) if decision.action is Action.FAILED else None
    if email is not None:
        outbox.send([email])
    counters.transfer_decided(attempt.message.tenant.code, attempt.message.kind, decision.action)
    return decision


def _record(
    session: Session, attempt: _Try, outcome: str, error: SyncError, status: SyncStatus
) -> int:
    """Log the try; returns how many earlier tries of this message had this outcome."""
    _mark(session, attempt.state_id, status, error)
    earlier = session.scalar(
        select(func.count()).where(
            Attempt.message_id == attempt.message.id, Attempt.outcome == outcome
        )
    )
    attempt.record(session, outcome, error)
    return earlier


def _fail(session: Session, attempt: _Try, error: SyncError) -> int:
    """Record the failure and its error e-mail in `session`'s transaction; returns the
    e-mail's outbox entry, to send after the commit."""
    message = attempt.message
    log.warning(
        "transfer of %s %s failed at %s: %s",
        message.kind,
        message.entity_number,
        attempt.step,
        error,
    )
    _mark(session, attempt.state_id, SyncStatus.FAILED, error)
    recheck.book(session, attempt.state_id, error)  # a fix in PowerOffice Go: re-checked
    _finish_message(session, message.id, MessageStatus.FAILED, str(error))
    return error_emails.enqueue(session, attempt.record(session, "failed", error))


def _mark(session: Session, state_id: int, status: SyncStatus, error: SyncError) -> None:
    state = session.get_one(EntityState, state_id)
    state.status = status
    state.last_error = str(error)
