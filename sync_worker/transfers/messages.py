"""What is stored of an entity's messages: the newest version, and whether one waits."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from sync_worker.db.models import Message, MessageStatus


def newest_message(session: Session, tenant_id: int, kind: str, number: str) -> Message | None:
    """The newest version received for the entity: what a transfer should send."""
    return session.scalar(
        _of_entity(select(Message), tenant_id, kind, number)
        .order_by(Message.version.desc(), Message.received_at.desc())
        .limit(1)
    )


def has_pending_message(session: Session, tenant_id: int, kind: str, number: str) -> bool:
    """True when a message for the entity is stored and not yet handled."""
    waiting = _of_entity(select(Message.id), tenant_id, kind, number).where(
        Message.status == MessageStatus.QUEUED
    )
    return session.scalar(waiting.limit(1)) is not None


def _of_entity(query: Select, tenant_id: int, kind: str, number: str) -> Select:
    return query.where(
        Message.tenant_id == tenant_id, Message.kind == kind, Message.entity_number == number
    )
