"""The glue between a Celery task and the transfer runner: retry or not, from the Decision."""

from __future__ import annotations

from celery import Task

from sync_worker.transfers.runner import Decision, Handler, run_message


def run_transfer(task: Task, handler: Handler, message_id: str) -> str:
    """Run the transfer; a transient error re-schedules the task, anything else ends it.

    The runner counts failures itself (per entity, in the database), so Celery's own
    retry budget is unlimited here: it would also count waits, and it is lost with
    the message if a worker dies.
    """
    decision: Decision = run_message(message_id, handler, task_id=task.request.id)
    if decision.action == "retry":
        raise task.retry(countdown=decision.countdown, max_retries=None)
    return decision.action
