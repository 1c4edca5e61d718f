"""The glue between a Celery task and the policy's decision: run again, or end."""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import Task

from sync_worker import policy
from sync_worker.errors import SyncError, TransientError
from sync_worker.failures import as_sync_error
from sync_worker.policy import Decision
from sync_worker.transfers.runner import Handler, run_message

log = logging.getLogger(__name__)

# Every transfer task: acknowledged after it ran, and retried only as the policy decides.
# The runner counts failures per entity in the database, so Celery's own count is off
# (`max_retries=None` here; passing it to `retry()` alone does not lift the default of 3).
TRANSFER_TASK = {"bind": True, "acks_late": True, "max_retries": None}


def run_transfer(task: Task, handler: Handler, message_id: str) -> str:
    """Run the transfer; a decision to wait or retry re-schedules the task."""
    try:
        decision = run_message(message_id, handler, task_id=task.request.id)
    except Exception as exc:
        # The books themselves could not be kept (the database is down): a task that ended
        # here would be acknowledged and lost, so it comes back later instead.
        log.exception("transfer of message %s could not be recorded; retrying", message_id)
        unrecorded = TransientError(
            f"the transfer's books could not be kept ({type(exc).__name__})"
        )
        raise again(task, never_given_up(task, unrecorded), exc) from exc
    if decision.runs_again:
        raise again(task, decision)
    return decision.action


def again(task: Task, decision: Decision, exc: BaseException | None = None) -> Exception:
    """Celery's retry for a decision that runs the task again."""
    return task.retry(countdown=decision.countdown, exc=exc)


def mail_never_given_up(task: Task, send: Callable[[], str], what: str) -> str:
    """Run an e-mail's `send`: whatever is transient (the SMTP server, the database) is
    waited out, never given up, and logged as a warning; a permanent error (a bug) ends
    the task as failed, for Flower and the logs to show."""
    try:
        return send()
    except Exception as exc:
        decision = never_given_up(task, as_sync_error(exc, what))
        if not decision.runs_again:
            raise
        log.warning(
            "%s could not be sent (%s); trying again in %.0f s", what, exc, decision.countdown
        )
        raise again(task, decision, exc) from exc


def never_given_up(task: Task, error: SyncError) -> Decision:
    """The policy's decision for work that is never given up; Celery's own count of the
    task's retries shapes the backoff, since no book could be written to count in."""
    return policy.decide(error, attempt=task.request.retries + 1, max_retries=None)
