"""The attempt history (the audit log): every step of every transfer and import, with its
outcome, PowerOffice Go's words and HTTP status, and the error class the e-mail reads."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sync_worker.db.models import Attempt
from sync_worker.errors import SyncError


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
    http_status: int | None = None,
    duration_ms: int | None = None,
    error: SyncError | None = None,
) -> Attempt:
    """Log one try in the caller's transaction. A try that met `error` is logged in its
    words: ours, PowerOffice Go's, its HTTP status, and the error's class."""
    if error is not None:
        detail, http_status = str(error), error.http_status
    attempt = Attempt(
        tenant_id=tenant_id,
        entity_state_id=state_id,
        message_id=message_id,
        task_id=task_id,
        step=step,
        outcome=outcome,
        detail=detail,
        pogo_detail=error.detail if error is not None else None,
        http_status=http_status,
        duration_ms=duration_ms,
        error_type=type(error).__name__ if error is not None else None,
    )
    session.add(attempt)
    session.flush()
    return attempt
