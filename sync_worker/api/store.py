"""What the HTTP door reads that the library has no call for: one tenant's message with
its transfer and history, and one attachment of one tenant's expense. Every query is
bound to the caller's tenant, so another tenant's row is never found."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from sync_worker.db.models import Attempt, EntityState, Expense, ExpenseAttachment, Message
from sync_worker.db.session import session_scope


@dataclass(frozen=True)
class StoredMessage:
    message: Message
    state: EntityState | None
    history: list[Attempt]


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    sha256: str
    content: bytes


def find_message(tenant_id: int, message_id: str) -> StoredMessage | None:
    """The tenant's message, its entity's transfer state, and the steps tried for it."""
    with session_scope() as session:
        message = session.scalar(
            select(Message).where(Message.id == message_id, Message.tenant_id == tenant_id)
        )
        if message is None:
            return None
        state = session.scalar(
            select(EntityState).where(
                EntityState.tenant_id == tenant_id,
                EntityState.kind == message.kind,
                EntityState.number == message.entity_number,
            )
        )
        history = session.scalars(
            select(Attempt)
            .where(Attempt.tenant_id == tenant_id, Attempt.message_id == message_id)
            .order_by(Attempt.id)
        )
        return StoredMessage(message, state, list(history))


def find_attachment(tenant_id: int, expense_id: int, number: int) -> Download | None:
    """The `number`th attachment (1 for the first) of the tenant's expense, in the order
    a claim lists them."""
    with session_scope() as session:
        row = session.scalar(
            select(ExpenseAttachment)
            .join(Expense, Expense.id == ExpenseAttachment.expense_id)
            .where(Expense.id == expense_id, Expense.tenant_id == tenant_id)
            .order_by(ExpenseAttachment.id)
            .offset(number - 1)
            .limit(1)
        )
        if row is None:
            return None
        return Download(row.filename, row.content_type, row.sha256, row.content)
