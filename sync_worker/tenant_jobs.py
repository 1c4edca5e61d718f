"""A tenant's scheduled job (an expense import, a daily reconciliation) that failed: what
the policy decides, and its books; knows no Celery.

As for the transfers, `sync_worker.policy` decides from the error's class alone: a
transient error retries with backoff a few times (`SYNC_IMPORT_MAX_RETRIES`: the next
scheduled run comes anyway), a permanent one (a wrong client key) fails at once. The
retries are counted in the attempt history, by the task's id (Celery keeps it across
retries). A failure is recorded as an `Attempt` with no entity, filed under the job's
`step` (its e-mail names the job by its date), and its error e-mail is enqueued in the
same transaction.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.settings import get_settings
from sync_worker import history, outbox, policy
from sync_worker.db.models import Attempt
from sync_worker.db.session import session_scope
from sync_worker.errors import SyncError
from sync_worker.notifications import error_emails
from sync_worker.policy import Action, Decision

log = logging.getLogger(__name__)


def book(error: SyncError, tenant_id: int, task_id: str | None, *, step: str) -> Decision:
    """Decide on the failed job, and record the retry or the failure (with its e-mail)."""
    retrying = policy.verdict(error) is Action.RETRY
    attempt = 1 + _retries_so_far(task_id, step) if retrying else 1
    decision = policy.decide(error, attempt=attempt, max_retries=get_settings().import_max_retries)
    if decision.action is Action.RETRY:
        with session_scope() as session:
            _record_in(session, tenant_id, "retry", error, task_id, step)
    elif decision.action is Action.FAILED:
        _fail(tenant_id, error, task_id, step)
    return decision


def _retries_so_far(task_id: str | None, step: str) -> int:
    if task_id is None:
        return 0
    with session_scope() as session:
        return session.scalar(
            select(func.count()).where(
                Attempt.task_id == task_id, Attempt.step == step, Attempt.outcome == "retry"
            )
        )


def _fail(tenant_id: int, error: SyncError, task_id: str | None, step: str) -> None:
    log.warning("%s of tenant %s failed: %s", step, tenant_id, error)
    with session_scope() as session:
        attempt = _record_in(session, tenant_id, "failed", error, task_id, step)
        entry_id = error_emails.enqueue(session, attempt)
    outbox.send([entry_id])


def _record_in(
    session: Session,
    tenant_id: int,
    outcome: str,
    error: SyncError,
    task_id: str | None,
    step: str,
) -> Attempt:
    return history.record(
        session,
        tenant_id=tenant_id,
        state_id=None,
        step=step,
        outcome=outcome,
        task_id=task_id,
        error=error,
    )
