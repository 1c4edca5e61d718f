"""Deciding on, composing and sending one error e-mail for a failed attempt.

At most one e-mail per tenant, entity and error within the interval
(SYNC_ERROR_EMAIL_INTERVAL, an hour by default): the record of a sent e-mail is written
in the same transaction that holds the tenant's row lock, so two workers cannot both send.
A failure of the system's own re-check (`sync_worker.recheck`) that repeats an error
already mailed is silent whatever the interval: the first e-mail said the system keeps
trying, and each hour's "still missing" would only bury it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from config.settings import get_settings
from config.tasks import SEND_ERROR_EMAIL
from sync_worker import outbox
from sync_worker.db.models import Attempt, EntityState, ErrorEmail, Message, Tenant, utcnow
from sync_worker.db.session import session_scope
from sync_worker.norway import OSLO
from sync_worker.notifications import smtp
from sync_worker.notifications.compose import Failure, compose, document_from_payload
from sync_worker.recheck import RECHECK_STEP
from sync_worker.remedies import fix_for_record

log = logging.getLogger(__name__)


def enqueue(session: Session, attempt: Attempt) -> int:
    """Enqueue the error e-mail of a failed attempt, in the caller's transaction; the
    outbox entry's id, to send once that transaction has committed."""
    code = session.get_one(Tenant, attempt.tenant_id).code
    state = session.get(EntityState, attempt.entity_state_id) if attempt.entity_state_id else None
    about = outbox.About(code, state.kind, state.number) if state else outbox.About(code)
    return outbox.add(session, SEND_ERROR_EMAIL, about=about, attempt_id=attempt.id).id


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
        failure = _failure(session, attempt, tenant, settings.recheck_interval_seconds)
        key = error_key(failure)
        if _sent_recently(session, tenant.id, failure, key, settings.error_email_interval_seconds):
            return "already mailed within the interval"
        if _recheck_failed_as_before(session, attempt, failure, key):
            return "the re-check failed as before; already mailed"
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


def _failure(session: Session, attempt: Attempt, tenant: Tenant, recheck_every: int) -> Failure:
    state = session.get(EntityState, attempt.entity_state_id) if attempt.entity_state_id else None
    message = session.get(Message, attempt.message_id) if attempt.message_id else None
    # The state's re-check window is set only when the fix lies in PowerOffice Go: it
    # keeps what the history does not, whether an export refusal rested on its look-ups.
    window = state.recheck_until if state else None
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
        company=tenant.name or tenant.code,
        language=tenant.email_language,
        fix=fix_for_record(
            attempt.error_type or "SyncError",
            attempt.http_status,
            rests_on_lookups=window is not None,
        ),
        recheck_until=window if window is not None and window > utcnow() else None,
        recheck_every_seconds=recheck_every,
        document=document_from_payload(message.payload) if message else None,
    )


def _sent_recently(
    session: Session, tenant_id: int, failure: Failure, key: str, interval: int | None
) -> bool:
    """An e-mail of this error on this entity went within `interval` seconds (None: ever)."""
    query = select(ErrorEmail.id).where(
        ErrorEmail.tenant_id == tenant_id,
        ErrorEmail.kind == failure.kind,
        ErrorEmail.number == failure.number,
        ErrorEmail.error_key == key,
    )
    if interval is not None:
        query = query.where(ErrorEmail.sent_at > utcnow() - dt.timedelta(seconds=interval))
    return session.scalar(query.limit(1)) is not None


def _recheck_failed_as_before(
    session: Session, attempt: Attempt, failure: Failure, key: str
) -> bool:
    """The attempt is a re-check's (one was queued since the entity last failed) and its
    error is one already mailed for the entity."""
    if attempt.entity_state_id is None:
        return False
    before = session.scalar(
        select(Attempt.step)
        .where(
            Attempt.entity_state_id == attempt.entity_state_id,
            Attempt.id < attempt.id,
            or_(Attempt.step == RECHECK_STEP, Attempt.outcome == "failed"),
        )
        .order_by(Attempt.id.desc())
        .limit(1)
    )
    return before == RECHECK_STEP and _sent_recently(
        session, attempt.tenant_id, failure, key, interval=None
    )
