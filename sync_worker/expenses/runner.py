"""A scheduled expense import as a job: lock, import, then what the policy decides; knows
no Celery.

Another import of the tenant running makes this one redundant; any other failure is
decided and booked as every scheduled job's is (`sync_worker.tenant_jobs`): retried a few
times when transient, recorded and mailed when not.
"""

from __future__ import annotations

import logging

from sync_worker import counters, tenant_jobs
from sync_worker import logging as sync_logging
from sync_worker.db.models import Tenant
from sync_worker.db.session import session_scope
from sync_worker.expenses.importer import import_for_tenant, import_lock
from sync_worker.failures import as_sync_error
from sync_worker.notifications.compose import EXPENSE_IMPORT
from sync_worker.policy import Action, Decision

log = logging.getLogger(__name__)

STEP = EXPENSE_IMPORT  # how a failed import is filed, and named in its e-mail


def run_import(tenant_id: int, *, task_id: str | None = None) -> Decision:
    """Import the tenant's expenses under its lock; never raises for a failed import."""
    with session_scope() as session:
        tenant = session.get(Tenant, tenant_id)
        enabled = tenant is not None and tenant.expense_import_enabled
        code = tenant.code if tenant is not None else str(tenant_id)
    sync_logging.bind(tenant=code, step=STEP)
    if not enabled:  # switched off (or removed) since it was scheduled
        counters.expense_import(code, Action.SKIPPED)
        return Decision(Action.SKIPPED, reason=f"expense import of tenant {tenant_id} is off")
    try:
        with import_lock(tenant_id):
            summary = import_for_tenant(tenant_id)
    except Exception as exc:
        decision = tenant_jobs.book(
            as_sync_error(exc, "the expense import"), tenant_id, task_id, step=STEP
        )
        counters.expense_import(code, decision.action)
        return decision
    counters.expense_import(code, Action.DONE, new=summary.new, already_there=summary.already_there)
    return Decision(Action.DONE, reason=str(summary))
