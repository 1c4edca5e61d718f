"""The glue between a Celery task and the policy's decision: run again, or end."""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import Task

from sync_worker import dispatch, policy
from sync_worker.errors import SyncError, TransientError
from sync_worker.failures import as_sync_error
from sync_worker.policy import Action, Decision
from sync_worker.transfers.runner import Handler, run_message

log = logging.getLogger(__name__)


class WorkFailed(Exception):
    """The work ended failed, in words (no secret, no payload), its books kept and its
    error e-mail on its way. Raised so that Celery records the task as FAILURE with this
    reason and Flower shows it failed; listed in each task's `throws`, so it is logged in one
    line without a traceback; acknowledged all the same (`task_acks_on_failure_or_timeout`),
    never run again by the broker."""


# Every transfer task: acknowledged after it ran, and retried only as the policy decides.
# The runner counts failures per entity in the database, so Celery's own count is off
# (`max_retries=None` here; passing it to `retry()` alone does not lift the default of 3).
TRANSFER_TASK = {"bind": True, "acks_late": True, "max_retries": None, "throws": (WorkFailed,)}


def run_transfer(task: Task, handler: Handler, message_id: str) -> str:
    """Run the transfer; a decision to wait or retry re-schedules the task, a failure
    ends it as failed. Whatever the outcome, the broker's window is filled again: the next
    tenant's turn (`sync_worker.dispatch`)."""
    try:
        return _run_transfer(task, handler, message_id)
    finally:
        dispatch.fill()


def _run_transfer(task: Task, handler: Handler, message_id: str) -> str:
    try:
        decision = run_message(message_id, handler, task_id=task.request.id)
    except Exception as exc:
        # The books themselves could not be kept (the database is down): a task that ended
        # here would be acknowledged and lost, so it comes back later instead.
        log.warning(
            "transfer of message %s could not be recorded; retrying", message_id, exc_info=True
        )
        unrecorded = TransientError(
            f"the transfer's books could not be kept ({type(exc).__name__})"
        )
        raise again(task, never_given_up(task, unrecorded), exc) from exc
    if decision.runs_again:
        raise again(task, decision)
    return unless_failed(decision).action


def unless_failed(decision: Decision) -> Decision:
    """The decision of work that ran to its end; `WorkFailed` when it ended failed."""
    if decision.action is Action.FAILED:
        raise WorkFailed(decision.reason)
    return decision


def again(
    task: Task, decision: Decision, exc: BaseException | None = None, **options: object
) -> Exception:
    """Celery's retry for a decision that runs the task again, under the same label in
    Flower (Celery would put the bare ids back)."""
    return task.retry(
        countdown=decision.countdown,
        exc=exc,
        argsrepr=getattr(task.request, "argsrepr", None),
        kwargsrepr=getattr(task.request, "kwargsrepr", None),
        **options,
    )


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
