"""The daily reconciliation of one tenant, as beat's task runs it; knows no Celery.

The period is `schedule.daily_period` of today in Oslo; the run stores its report, fixes
what the tenant allows, and mails when a person is needed (`store`). A failure is decided
and booked as every scheduled job's is (`sync_worker.tenant_jobs`).
"""

from __future__ import annotations

from sync_worker import logging as sync_logging
from sync_worker import tenant_jobs
from sync_worker.db.models import Tenant
from sync_worker.db.session import session_scope
from sync_worker.failures import as_sync_error
from sync_worker.norway import today_in_oslo
from sync_worker.notifications.compose import RECONCILIATION
from sync_worker.policy import Action, Decision
from sync_worker.reconcile.run import reconcile
from sync_worker.reconcile.schedule import daily_period
from sync_worker.reconcile.store import DAILY

STEP = RECONCILIATION  # how a failed run is filed in the attempt history, and mailed


def reconcile_daily(tenant_id: int, *, task_id: str | None = None) -> Decision:
    """Reconcile the tenant's daily period; never raises for a failed run."""
    with session_scope() as session:
        tenant = session.get(Tenant, tenant_id)
        code = tenant.code if tenant is not None and tenant.reconcile_daily else None
    if code is None:  # switched off (or removed) since it was scheduled
        return Decision(Action.SKIPPED, reason=f"daily reconciliation of {tenant_id} is off")
    sync_logging.bind(tenant=code, step=STEP)
    date_from, date_to = daily_period(today_in_oslo())
    try:
        report = reconcile(code, date_from, date_to, trigger=DAILY)
    except Exception as exc:
        return tenant_jobs.book(
            as_sync_error(exc, "the reconciliation"), tenant_id, task_id, step=STEP
        )
    return Decision(Action.DONE, reason=report.summary())
