"""celery-beat's schedule. Exactly one beat runs (see README, "Running in production")."""

from __future__ import annotations

from typing import Any

OUTBOX_RELAY_SECONDS = 30.0
EXPENSE_SCHEDULER_SECONDS = 60.0
STALLED_SWEEP_SECONDS = 300.0


def beat_schedule() -> dict[str, Any]:
    return {
        # Sends outbox rows whose enqueue failed after commit (broker down at publish time).
        "relay-outbox": {
            "task": "tasks.outbox.relay_outbox",
            "schedule": OUTBOX_RELAY_SECONDS,
            # Expires late: behind a backlog it must still run, but not pile up.
            "options": {"queue": "transfers", "expires": 10 * OUTBOX_RELAY_SECONDS},
        },
        # Enqueues again the messages whose task was lost (broker failure, crash mid-retry).
        "requeue-stalled-messages": {
            "task": "tasks.outbox.requeue_stalled_messages",
            "schedule": STALLED_SWEEP_SECONDS,
            "options": {"queue": "transfers", "expires": STALLED_SWEEP_SECONDS},
        },
        # Looks once a minute for tenants whose expense import is due, and spreads them out.
        "schedule-expense-imports": {
            "task": "tasks.expenses.schedule_expense_imports",
            "schedule": EXPENSE_SCHEDULER_SECONDS,
            "options": {"queue": "imports", "expires": EXPENSE_SCHEDULER_SECONDS},
        },
    }
