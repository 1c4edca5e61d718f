"""What the HTTP door answers, as JSON-ready dicts: pure functions of the stored rows and
the library's results, tested without I/O. The OpenAPI document (`openapi`) describes
these shapes; a test holds the two together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, get_args

from sync_worker.db.models import Attempt, EntityState, Message
from sync_worker.expenses.moment_api import Batch, ExpenseRecord
from sync_worker.producer import PublishResult, Status

STATUSES: tuple[str, ...] = get_args(Status)


def timestamp(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def published(results: Sequence[PublishResult]) -> dict[str, Any]:
    """One answer per message in the order sent, and how many of each status."""
    return {
        "results": [
            {
                "item": number,
                "message_id": result.message_id,
                "status": result.status,
                "error": result.error,
            }
            for number, result in enumerate(results, start=1)
        ],
        **{status: sum(r.status == status for r in results) for status in STATUSES},
    }


def transfer(state: EntityState) -> dict[str, Any]:
    """An entity's transfer: how far it got, and why it stopped when it did."""
    return {
        "id": state.id,
        "kind": state.kind,
        "number": state.number,
        "status": state.status,
        "step": state.step,
        "poweroffice_id": state.pogo_id,
        "last_error": state.last_error,
        "failures": state.attempts,
        "updated_at": timestamp(state.updated_at),
        "transferred_at": timestamp(state.transferred_at),
        "recheck_until": timestamp(state.recheck_until),
    }


def attempt(row: Attempt) -> dict[str, Any]:
    return {
        "step": row.step,
        "outcome": row.outcome,
        "at": timestamp(row.created_at),
        "detail": row.detail,
        "poweroffice_detail": row.pogo_detail,
        "http_status": row.http_status,
        "error_type": row.error_type,
        "duration_ms": row.duration_ms,
    }


def message(row: Message, state: EntityState | None, history: Sequence[Attempt]) -> dict[str, Any]:
    """A stored message: its own status, its entity's transfer, and every step tried for it."""
    return {
        "message_id": row.id,
        "type": row.type,
        "kind": row.kind,
        "number": row.entity_number,
        "version": row.version,
        "trigger": row.trigger,
        "occurred_at": timestamp(row.occurred_at),
        "received_at": timestamp(row.received_at),
        "status": row.status,
        "processed_at": timestamp(row.processed_at),
        "error": row.error,
        "transfer": None if state is None else transfer(state),
        "history": [attempt(a) for a in history],
    }


def claimed(batch: Batch, attachment_url: Callable[[int, int], str]) -> dict[str, Any]:
    """A claimed batch; each attachment by its download address, not its bytes.
    `attachment_url(expense_id, number)` is that address (number 1 for the first)."""
    return {
        "token": batch.token,
        "lease_expires_at": timestamp(batch.lease_expires_at),
        "expenses": [_expense(e, attachment_url) for e in batch.expenses],
    }


def _expense(expense: ExpenseRecord, attachment_url: Callable[[int, int], str]) -> dict[str, Any]:
    record = expense.as_record()
    record["attachments"] = [
        {
            "number": number,
            "filename": attachment.filename,
            "content_type": attachment.content_type,
            "sha256": attachment.sha256,
            "url": attachment_url(expense.id, number),
        }
        for number, attachment in enumerate(expense.attachments, start=1)
    ]
    return record


def error(text: str) -> dict[str, str]:
    return {"error": text}
