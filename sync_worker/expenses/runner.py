"""A scheduled expense import as a job: lock, import, then what the policy decides; knows
no Celery.

As for the transfers, `sync_worker.policy` decides from the error's class alone: a
transient error retries with backoff a few times (`SYNC_IMPORT_MAX_RETRIES`: the next
scheduled import comes within the interval anyway), a permanent one (a wrong client key)
fails at once, another import of the tenant running makes this one redundant. The retries
are counted in the attempt history, by the task's id. A failure is recorded as an
`Attempt` (no entity: the e-mail names the import by its date) with its error e-mail
enqueued in the same transaction.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.settings import get_settings
from sync_worker import history, outbox, policy
from sync_worker.db.models import Attempt, Tenant
from sync_worker.db.session import session_scope
from sync_worker.errors import SyncError
from sync_worker.expenses.importer import import_for_tenant, import_lock
from sync_worker.failures import as_sync_error
from sync_worker.notifications import error_emails
from sync_worker.notifications.compose import EXPENSE_IMPORT
from sync_worker.policy import Action, Decision

log = logging.getLogger(__name__)

STEP = EXPENSE_IMPORT  # how a failed import is filed, and named in its e-mail


def run_import(tenant_id: int, *, task_id: str | None = None) -> Decision:
    """Import the tenant's expenses under its lock; never raises for a failed import."""
    with session_scope() as session:
        tenant = session.get(Tenant, tenant_id)
        enabled = tenant is not None and tenant.expense_import_enabled
    if not enabled:  # switched off (or removed) since it was scheduled
        return Decision(Action.SKIPPED, reason=f"expense import of tenant {tenant_id} is off")
    try:
        with import_lock(tenant_id):
            summary = import_for_tenant(tenant_id)
    except Exception as exc:
        return _book(as_sync_error(exc, "the expense import"), tenant_id, task_id)
    return Decision(Action.DONE, reason=str(summary))


def _book(error: SyncError, tenant_id: int, task_id: str | None) -> Decision:
    attempt = 1 + _retries_so_far(task_id) if policy.verdict(error) is Action.RETRY else 1
    decision = policy.decide(error, attempt=attempt, max_retries=get_settings().import_max_retries)
    if decision.action is Action.RETRY:
        with session_scope() as session:
            _record_in(session, tenant_id, "retry", error, task_id)
    elif decision.action is Action.FAILED:
        _fail(tenant_id, error, task_id)
    return decision


def _retries_so_far(task_id: str | None) -> int:
    """This import's earlier retries: Celery keeps a task's id across its retries."""
    if task_id is None:
        return 0
    with session_scope() as session:
        return session.scalar(
            select(func.count()).where(
                Attempt.task_id == task_id, Attempt.step == STEP, Attempt.outcome == "retry"
            )
        )


def _fail(tenant_id: int, error: SyncError, task_id: str | None) -> int:
    """Record the failed import and enqueue its error e-mail, in one transaction."""
    log.warning("expense import of tenant %s failed: %s", tenant_id, error)
    with session_scope() as session:
        attempt = _record_in(session, tenant_id, "failed", error, task_id)
        entry_id = error_emails.enqueue(session, attempt)
        attempt_id = attempt.id
    outbox.send([entry_id])
    return attempt_id


def _record_in(
    session: Session, tenant_id: int, outcome: str, error: SyncError, task_id: str | None
) -> Attempt:
    return history.record(
        session,
        tenant_id=tenant_id,
        state_id=None,
        step=STEP,
        outcome=outcome,
        task_id=task_id,
        error=error,
    )
