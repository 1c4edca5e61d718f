"""The glue between a Celery task and the transfer runner: retry or not, from the Decision."""

from __future__ import annotations

import logging

from celery import Task

from config.settings import get_settings
from sync_worker.retry import retry_countdown
from sync_worker.transfers.runner import Decision, Handler, run_message

log = logging.getLogger(__name__)

# Every transfer task: acknowledged after it ran, and retried only as the runner decides.
# The runner counts failures per entity in the database, so Celery's own count is off
# (`max_retries=None` here; passing it to `retry()` alone does not lift the default of 3).
TRANSFER_TASK = {"bind": True, "acks_late": True, "max_retries": None}


def run_transfer(task: Task, handler: Handler, message_id: str) -> str:
    """Run the transfer; a transient error re-schedules the task, anything else ends it."""
    try:
        decision: Decision = run_message(message_id, handler, task_id=task.request.id)
    except Exception as exc:
        # The books themselves could not be kept (the database is down): a task that ended
        # here would be acknowledged and lost, so it comes back later instead.
        log.exception("transfer of message %s could not be recorded; retrying", message_id)
        countdown = retry_countdown(task.request.retries, get_settings())
        raise task.retry(countdown=countdown, exc=exc) from exc
    if decision.action == "retry":
        raise task.retry(countdown=decision.countdown)
    return decision.action
