"""Error e-mails (queue `notifications`): the end of every failure retries cannot fix."""

from __future__ import annotations

from config.tasks import SEND_ERROR_EMAIL
from sync_worker.app import app
from sync_worker.failures import as_sync_error
from sync_worker.notifications.error_emails import send_for_attempt
from tasks.base import again, never_given_up


# An error e-mail is the last word on a failure: whatever is transient (the SMTP server,
# the database) is waited out, never given up, as the policy decides; a permanent error
# (a bug) ends the task as failed, for Flower and the logs to show.
@app.task(bind=True, name=SEND_ERROR_EMAIL.name, acks_late=True, max_retries=None)
def send_error_email(self, attempt_id: int) -> str:
    """Tell the tenant's error address what failed, why, and what to do."""
    try:
        return send_for_attempt(attempt_id)
    except Exception as exc:
        decision = never_given_up(self, as_sync_error(exc, "the error e-mail"))
        if decision.runs_again:
            raise again(self, decision, exc) from exc
        raise
