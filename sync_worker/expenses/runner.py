"""A scheduled expense import as a job: lock, import, then retry or fail; knows no Celery.

The decision rests on the error's class alone, as for the transfers: a transient error
retries with backoff a few times, a permanent one (a wrong client key) fails at once. A
failure is recorded as an `Attempt` (no entity: the e-mail names the import by its date)
with its error e-mail enqueued in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from config.settings import get_settings
from sync_worker import outbox
from sync_worker.db.models import Attempt, Tenant
from sync_worker.db.session import session_scope
from sync_worker.errors import RateLimited, SyncError, TransientError
from sync_worker.expenses.importer import ImportRunning, import_for_tenant, import_lock
from sync_worker.failures import as_sync_error
from sync_worker.retry import retry_countdown
from sync_worker.transfers.state import fail_with_email, record_error

log = logging.getLogger(__name__)

STEP = "expense_import"
# Few retries: the next scheduled import comes within the interval anyway, and a retry
# chain that outlived it would only overlap with that import.
MAX_RETRIES = 3


@dataclass(frozen=True)
class Outcome:
    action: Literal["done", "skipped", "retry", "failed"]
    countdown: float = 0.0
    reason: str = ""


def run_import(tenant_id: int, *, retries_done: int = 0, task_id: str | None = None) -> Outcome:
    """Import the tenant's expenses under its lock; never raises for a failed import."""
    with session_scope() as session:
        tenant = session.get(Tenant, tenant_id)
        enabled = tenant is not None and tenant.expense_import_enabled
    if not enabled:  # switched off (or removed) since it was scheduled
        return Outcome("skipped", reason=f"expense import of tenant {tenant_id} is off")
    try:
        with import_lock(tenant_id):
            summary = import_for_tenant(tenant_id)
    except ImportRunning as exc:
        return Outcome("skipped", reason=str(exc))
    except Exception as exc:
        return _decide(as_sync_error(exc, "the expense import"), tenant_id, retries_done, task_id)
    return Outcome("done", reason=str(summary))


def _decide(error: SyncError, tenant_id: int, retries_done: int, task_id: str | None) -> Outcome:
    if isinstance(error, TransientError) and retries_done < MAX_RETRIES:
        at_least = error.retry_after if isinstance(error, RateLimited) else 0.0
        countdown = retry_countdown(retries_done, get_settings(), at_least=at_least)
        _record(tenant_id, "retry", error, task_id)
        return Outcome("retry", countdown=countdown, reason=str(error))
    _fail(tenant_id, error, task_id)
    return Outcome("failed", reason=str(error))


def _fail(tenant_id: int, error: SyncError, task_id: str | None) -> int:
    """Record the failed import and enqueue its error e-mail, in one transaction."""
    log.warning("expense import of tenant %s failed: %s", tenant_id, error)
    with session_scope() as session:
        attempt = _record_in(session, tenant_id, "failed", error, task_id)
        entry_id = fail_with_email(session, attempt)
        attempt_id = attempt.id
    outbox.send([entry_id])
    return attempt_id


def _record(tenant_id: int, outcome: str, error: SyncError, task_id: str | None) -> None:
    with session_scope() as session:
        _record_in(session, tenant_id, outcome, error, task_id)


def _record_in(
    session: Session, tenant_id: int, outcome: str, error: SyncError, task_id: str | None
) -> Attempt:
    return record_error(
        session,
        error,
        tenant_id=tenant_id,
        state_id=None,
        step=STEP,
        outcome=outcome,
        task_id=task_id,
    )
