"""Every Celery task by name, with its queue: the one table that the task decorators, the
routes, the beat schedule, the producer and the outbox all read.

A task is named here once. The library enqueues by these constants (it cannot import the
task functions, which import the library), and a test holds this table and the tasks
Celery registers to each other, so a rename fails a test, not production with an
"unregistered task".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class QueueName(enum.StrEnum):
    """One worker per queue: a finalized invoice never waits behind an expense import."""

    TRANSFERS = "transfers"
    IMPORTS = "imports"
    NOTIFICATIONS = "notifications"


@dataclass(frozen=True)
class TaskName:
    name: str
    queue: QueueName
    # What the task does, in the words of its label for Flower and the logs ("acme PDF for
    # invoice 10023"); empty for a transfer, whose label is its entity.
    work: str = ""

    @property
    def module(self) -> str:
        return self.name.rsplit(".", 1)[0]

    def __str__(self) -> str:
        return self.name


TRANSFER_CUSTOMER = TaskName("tasks.customers.transfer_customer", QueueName.TRANSFERS)
TRANSFER_PROJECT = TaskName("tasks.projects.transfer_project", QueueName.TRANSFERS)
TRANSFER_INVOICE = TaskName("tasks.invoices.transfer_invoice", QueueName.TRANSFERS)
UPLOAD_INVOICE_ATTACHMENT = TaskName(
    "tasks.invoices.upload_invoice_attachment", QueueName.TRANSFERS, "PDF"
)
TRANSFER_CREDIT_NOTE = TaskName("tasks.credit_notes.transfer_credit_note", QueueName.TRANSFERS)
RELAY_OUTBOX = TaskName("tasks.outbox.relay_outbox", QueueName.TRANSFERS)
REQUEUE_STALLED_MESSAGES = TaskName("tasks.outbox.requeue_stalled_messages", QueueName.TRANSFERS)
SCHEDULE_EXPENSE_IMPORTS = TaskName("tasks.expenses.schedule_expense_imports", QueueName.IMPORTS)
IMPORT_EXPENSES = TaskName("tasks.expenses.import_expenses", QueueName.IMPORTS, "expense import")
SEND_ERROR_EMAIL = TaskName(
    "tasks.errors.send_error_email", QueueName.NOTIFICATIONS, "error e-mail"
)
SCHEDULE_RECONCILIATIONS = TaskName(
    "tasks.reconciliations.schedule_reconciliations", QueueName.IMPORTS
)
RECONCILE_TENANT = TaskName(
    "tasks.reconciliations.reconcile_tenant", QueueName.IMPORTS, "reconciliation"
)
RECHECK_FAILURES = TaskName("tasks.rechecks.recheck_failures", QueueName.IMPORTS)
WARM_UP_TENANTS = TaskName("tasks.warmup.warm_up_tenants", QueueName.IMPORTS)
SEND_RECONCILIATION_EMAIL = TaskName(
    "tasks.reconciliations.send_reconciliation_email",
    QueueName.NOTIFICATIONS,
    "reconciliation e-mail",
)

ALL_TASKS = (
    TRANSFER_CUSTOMER,
    TRANSFER_PROJECT,
    TRANSFER_INVOICE,
    UPLOAD_INVOICE_ATTACHMENT,
    TRANSFER_CREDIT_NOTE,
    RELAY_OUTBOX,
    REQUEUE_STALLED_MESSAGES,
    SCHEDULE_EXPENSE_IMPORTS,
    IMPORT_EXPENSES,
    SEND_ERROR_EMAIL,
    SCHEDULE_RECONCILIATIONS,
    RECONCILE_TENANT,
    RECHECK_FAILURES,
    SEND_RECONCILIATION_EMAIL,
    WARM_UP_TENANTS,
)
TASK_MODULES = tuple(dict.fromkeys(task.module for task in ALL_TASKS))
