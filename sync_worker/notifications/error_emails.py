"""Deciding on, composing and sending one error e-mail for a failed attempt.

At most one e-mail per tenant, entity and error within the interval
(SYNC_ERROR_EMAIL_INTERVAL, an hour by default): the record of a sent e-mail is written
in the same transaction that holds the tenant's row lock, so two workers cannot both send.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import get_settings
from config.tasks import SEND_ERROR_EMAIL
from sync_worker import outbox
from sync_worker.db.models import Attempt, EntityState, ErrorEmail, Tenant, utcnow
from sync_worker.db.session import session_scope
from sync_worker.norway import OSLO
from sync_worker.notifications import smtp
from sync_worker.notifications.compose import Failure, compose

log = logging.getLogger(__name__)


def enqueue(session: Session, attempt: Attempt) -> int:
    """Enqueue the error e-mail of a failed attempt, in the caller's transaction; the
    outbox entry's id, to send once that transaction has committed."""
    return outbox.add(session, SEND_ERROR_EMAIL, attempt_id=attempt.id).id


def send_for_attempt(attempt_id: int) -> str:
    """Send the e-mail for a failed attempt; returns what was done, for the task's result."""
    settings = get_settings()
    with session_scope() as session:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None:
            return f"no attempt {attempt_id}"
        tenant = session.scalar(
            select(Tenant).where(Tenant.id == attempt.tenant_id).with_for_update()
        )
        recipients = tenant.error_email_list
        if not recipients:
            log.warning(
                "tenant %s has no error e-mail address; failure %s not mailed",
                tenant.code,
                attempt_id,
            )
            return "no error address"
        failure = _failure(session, attempt, tenant)
        key = error_key(failure)
        if _sent_recently(session, tenant.id, failure, key, settings.error_email_interval_seconds):
            return "already mailed within the interval"
        email = compose(failure)
        session.add(
            ErrorEmail(
                tenant_id=tenant.id,
                kind=failure.kind,
                number=failure.number,
                error_key=key,
                recipients=", ".join(recipients),
                subject=email.subject,
            )
        )
        session.flush()
        smtp.send(email, recipients, settings)  # a failure here rolls the record back
    return f"mailed {', '.join(recipients)}"


def error_key(failure: Failure) -> str:
    """The same error on the same entity has the same key."""
    text = f"{failure.kind}|{failure.number}|{failure.error_type}|{failure.message}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _failure(session: Session, attempt: Attempt, tenant: Tenant) -> Failure:
    state = session.get(EntityState, attempt.entity_state_id) if attempt.entity_state_id else None
    # A transfer's tries are its message's; an import's, its task's (kept across retries).
    same_work = (
        Attempt.message_id == attempt.message_id
        if state
        else (Attempt.task_id == attempt.task_id) & (Attempt.step == attempt.step)
    )
    tries = (
        session.query(Attempt)
        .filter(same_work, Attempt.outcome.in_(("retry", "failed")), Attempt.id <= attempt.id)
        .count()
        if state or attempt.task_id
        else 1
    )
    return Failure(
        tenant_code=tenant.code,
        kind=state.kind if state else attempt.step,
        # An import has no entity: it is named by the Norwegian date it ran on.
        number=state.number if state else attempt.created_at.astimezone(OSLO).date().isoformat(),
        step=attempt.step,
        error_type=attempt.error_type or "SyncError",
        message=attempt.detail or "",
        detail=attempt.pogo_detail,
        http_status=attempt.http_status,
        attempts=tries,
        failed_at=attempt.created_at,
        reference=state.id if state else attempt.id,
    )


def _sent_recently(
    session: Session, tenant_id: int, failure: Failure, key: str, interval: int
) -> bool:
    since = utcnow() - dt.timedelta(seconds=interval)
    return (
        session.scalar(
            select(ErrorEmail.id)
            .where(
                ErrorEmail.tenant_id == tenant_id,
                ErrorEmail.kind == failure.kind,
                ErrorEmail.number == failure.number,
                ErrorEmail.error_key == key,
                ErrorEmail.sent_at > since,
            )
            .limit(1)
        )
        is not None
    )
