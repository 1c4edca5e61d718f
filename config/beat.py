"""celery-beat's schedule. Exactly one beat runs (see README, "Running in production")."""

from __future__ import annotations

from typing import Any

from config.settings import Settings
from config.tasks import (
    RECHECK_FAILURES,
    RELAY_OUTBOX,
    REQUEUE_STALLED_MESSAGES,
    SCHEDULE_EXPENSE_IMPORTS,
    SCHEDULE_RECONCILIATIONS,
    WARM_UP_TENANTS,
    TaskName,
)

OUTBOX_RELAY_SECONDS = 30.0
EXPENSE_SCHEDULER_SECONDS = 60.0
RECONCILIATION_SCHEDULER_SECONDS = 60.0


def beat_schedule(settings: Settings) -> dict[str, Any]:
    return {
        # Sends outbox rows whose enqueue failed after commit (broker down at publish time).
        "relay-outbox": {
            # Expires late: behind a backlog it must still run, but not pile up.
            **_entry(RELAY_OUTBOX, OUTBOX_RELAY_SECONDS, expires=10 * OUTBOX_RELAY_SECONDS),
        },
        # Enqueues again the messages whose task was lost (a worker gone, its lease run out;
        # a broker that lost its data), every half lease: minutes, not the broker's hour.
        "requeue-stalled-messages": {
            **_entry(REQUEUE_STALLED_MESSAGES, settings.lease_seconds / 2),
        },
        # Looks once a minute for tenants whose expense import is due, and spreads them out.
        "schedule-expense-imports": {
            **_entry(SCHEDULE_EXPENSE_IMPORTS, EXPENSE_SCHEDULER_SECONDS),
        },
        # Looks once a minute for tenants whose daily reconciliation is due (off-peak).
        "schedule-reconciliations": {
            **_entry(SCHEDULE_RECONCILIATIONS, RECONCILIATION_SCHEDULER_SECONDS),
        },
        # Re-drives the failures whose fix lies in PowerOffice Go (sync_worker.recheck).
        "recheck-failures": {
            **_entry(RECHECK_FAILURES, settings.recheck_interval_seconds),
        },
        # Renews tokens and look-ups in use before they run out, each tenant at its place
        # in SYNC_WARMUP_INTERVAL_SECONDS (sync_worker.poweroffice.warmup).
        "warm-up-tenants": {
            **_entry(WARM_UP_TENANTS, settings.warmup_tick_seconds),
        },
    }


def _entry(task: TaskName, every_seconds: float, *, expires: float | None = None) -> dict[str, Any]:
    """Run `task` on its queue every so often; a run not started within `expires` (one
    period unless said) is dropped, as the next one is already due."""
    return {
        "task": task.name,
        "schedule": every_seconds,
        "options": {"queue": str(task.queue), "expires": expires or every_seconds},
    }
