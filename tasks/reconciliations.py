"""Daily reconciliations (queue `imports`, the background lane): beat's scheduler, one run
per tenant, and the e-mail (queue `notifications`) when a run needs a person."""

from __future__ import annotations

from config.tasks import RECONCILE_TENANT, SCHEDULE_RECONCILIATIONS, SEND_RECONCILIATION_EMAIL
from sync_worker.app import app
from sync_worker.notifications.reconciliation_emails import send_for_reconciliation
from sync_worker.reconcile.daily import reconcile_daily
from sync_worker.reconcile.schedule import enqueue_due_reconciliations
from tasks.base import WorkFailed, again, mail_never_given_up, unless_failed


@app.task(name=SCHEDULE_RECONCILIATIONS.name, ignore_result=True)
def schedule_reconciliations() -> int:
    """Enqueue the daily reconciliations due now, each at its tenant's moment (beat)."""
    return len(enqueue_due_reconciliations(app))


# As for the imports: the policy decides on retries; Celery's own limit would cut it short.
@app.task(
    bind=True, name=RECONCILE_TENANT.name, acks_late=True, max_retries=None, throws=(WorkFailed,)
)
def reconcile_tenant(self, tenant_id: int) -> str:
    """Reconcile one tenant's last two months with PowerOffice Go, and fix what it may."""
    decision = reconcile_daily(tenant_id, task_id=self.request.id)
    if decision.runs_again:
        raise again(self, decision, expires=None)
    return f"{unless_failed(decision).action}: {decision.reason}"


@app.task(bind=True, name=SEND_RECONCILIATION_EMAIL.name, acks_late=True, max_retries=None)
def send_reconciliation_email(self, reconciliation_id: int) -> str:
    """Tell the tenant's error address what the reconciliation found for a person."""
    return mail_never_given_up(
        self, lambda: send_for_reconciliation(reconciliation_id), "the reconciliation e-mail"
    )
