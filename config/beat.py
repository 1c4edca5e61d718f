"""celery-beat's schedule. Exactly one beat runs (see README, "Running in production")."""

from __future__ import annotations

from typing import Any

OUTBOX_RELAY_SECONDS = 30.0
EXPENSE_SCHEDULER_SECONDS = 60.0


def beat_schedule() -> dict[str, Any]:
    return {
        # Sends outbox rows whose enqueue failed after commit (broker down at publish time).
        "relay-outbox": {
            "task": "tasks.outbox.relay_outbox",
            "schedule": OUTBOX_RELAY_SECONDS,
            "options": {"queue": "transfers", "expires": OUTBOX_RELAY_SECONDS},
        },
        # Looks once a minute for tenants whose expense import is due, and spreads them out.
        "schedule-expense-imports": {
            "task": "tasks.expenses.schedule_expense_imports",
            "schedule": EXPENSE_SCHEDULER_SECONDS,
            "options": {"queue": "imports", "expires": EXPENSE_SCHEDULER_SECONDS},
        },
    }
