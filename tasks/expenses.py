"""Expense imports (queue `imports`): the beat's scheduler and one import per tenant."""

from __future__ import annotations

from config.tasks import IMPORT_EXPENSES, SCHEDULE_EXPENSE_IMPORTS
from sync_worker.app import app
from sync_worker.expenses.runner import run_import
from sync_worker.expenses.schedule import enqueue_due_imports
from tasks.base import WorkFailed, again, unless_failed


@app.task(name=SCHEDULE_EXPENSE_IMPORTS.name, ignore_result=True)
def schedule_expense_imports() -> int:
    """Enqueue the imports due now, each at its tenant's slot (beat, every minute)."""
    return len(enqueue_due_imports(app))


# max_retries=None on the task: the policy decides about retries (a few, with backoff) and
# the runner records the failure with its error e-mail; Celery's own limit (3 by default,
# and `retry(max_retries=None)` does not lift it) would end the task without either.
@app.task(
    bind=True, name=IMPORT_EXPENSES.name, acks_late=True, max_retries=None, throws=(WorkFailed,)
)
def import_expenses(self, tenant_id: int) -> str:
    """Import one tenant's new expenses from PowerOffice Go."""
    decision = run_import(tenant_id, task_id=self.request.id)
    if decision.runs_again:
        # Not the scheduled run's expiry: a retry dropped before it ran would go unmailed.
        raise again(self, decision, expires=None)
    return f"{unless_failed(decision).action}: {decision.reason}"
