"""The glue between a Celery task and the transfer runner: retry or not, from the Decision."""

from __future__ import annotations

from celery import Task

from sync_worker.transfers.runner import Decision, Handler, run_message

# Every transfer task: acknowledged after it ran, and retried only as the runner decides.
# The runner counts failures per entity in the database, so Celery's own count is off
# (`max_retries=None` here; passing it to `retry()` alone does not lift the default of 3).
TRANSFER_TASK = {"bind": True, "acks_late": True, "max_retries": None}


def run_transfer(task: Task, handler: Handler, message_id: str) -> str:
    """Run the transfer; a transient error re-schedules the task, anything else ends it."""
    decision: Decision = run_message(message_id, handler, task_id=task.request.id)
    if decision.action == "retry":
        raise task.retry(countdown=decision.countdown)
    return decision.action
