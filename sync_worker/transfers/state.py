"""Per-entity sync state and the attempt history (the audit log)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.tasks import SEND_ERROR_EMAIL
from sync_worker import outbox
from sync_worker.db.models import Attempt, EntityState, Message, MessageStatus
from sync_worker.db.session import session_scope
from sync_worker.errors import SyncError


def find_state(session: Session, tenant_id: int, kind: str, number: str) -> EntityState | None:
    return session.scalar(
        select(EntityState).where(
            EntityState.tenant_id == tenant_id,
            EntityState.kind == kind,
            EntityState.number == number,
        )
    )


def get_state(session: Session, tenant_id: int, kind: str, number: str) -> EntityState:
    """The entity's state row, created on first use (two workers racing both get the one)."""
    state = find_state(session, tenant_id, kind, number)
    if state is not None:
        return state
    try:
        with session.begin_nested():
            state = EntityState(tenant_id=tenant_id, kind=kind, number=number)
            session.add(state)
    except IntegrityError:
        state = find_state(session, tenant_id, kind, number)
    return state


def read_state(tenant_id: int, kind: str, number: str) -> EntityState:
    """A detached copy of the entity's state, for reading between steps."""
    with session_scope() as session:
        return get_state(session, tenant_id, kind, number)


def update_state(state_id: int, **values: Any) -> EntityState:
    """Write `values` onto the state and commit at once: what PowerOffice Go now holds
    must never be forgotten because a later step failed."""
    with session_scope() as session:
        state = session.get_one(EntityState, state_id)
        for name, value in values.items():
            setattr(state, name, value)
        return state


def record(
    session: Session,
    *,
    tenant_id: int,
    state_id: int | None,
    step: str,
    outcome: str,
    message_id: str | None = None,
    task_id: str | None = None,
    detail: str | None = None,
    pogo_detail: str | None = None,
    http_status: int | None = None,
    duration_ms: int | None = None,
    error_type: str | None = None,
) -> Attempt:
    attempt = Attempt(
        tenant_id=tenant_id,
        entity_state_id=state_id,
        message_id=message_id,
        task_id=task_id,
        step=step,
        outcome=outcome,
        detail=detail,
        pogo_detail=pogo_detail,
        http_status=http_status,
        duration_ms=duration_ms,
        error_type=error_type,
    )
    session.add(attempt)
    session.flush()
    return attempt


def record_error(
    session: Session,
    error: SyncError,
    *,
    tenant_id: int,
    state_id: int | None,
    step: str,
    outcome: str,
    message_id: str | None = None,
    task_id: str | None = None,
) -> Attempt:
    """Log a failed try: our words, PowerOffice Go's, its HTTP status, and the error class
    (which the error e-mail reads to explain what to do)."""
    return record(
        session,
        tenant_id=tenant_id,
        state_id=state_id,
        step=step,
        outcome=outcome,
        message_id=message_id,
        task_id=task_id,
        detail=str(error),
        pogo_detail=error.detail,
        http_status=error.http_status,
        error_type=type(error).__name__,
    )


def fail_with_email(session: Session, attempt: Attempt) -> int:
    """Enqueue the error e-mail of a failed attempt, in the caller's transaction."""
    return outbox.add(session, SEND_ERROR_EMAIL, attempt_id=attempt.id).id


def newest_message(session: Session, tenant_id: int, kind: str, number: str) -> Message | None:
    """The newest version received for the entity: what a transfer should send."""
    return session.scalar(
        select(Message)
        .where(
            Message.tenant_id == tenant_id, Message.kind == kind, Message.entity_number == number
        )
        .order_by(Message.version.desc(), Message.received_at.desc())
        .limit(1)
    )


def has_pending_message(session: Session, tenant_id: int, kind: str, number: str) -> bool:
    """True when a message for the entity is stored and not yet handled."""
    return (
        session.scalar(
            select(Message.id)
            .where(
                Message.tenant_id == tenant_id,
                Message.kind == kind,
                Message.entity_number == number,
                Message.status == MessageStatus.QUEUED,
            )
            .limit(1)
        )
        is not None
    )
