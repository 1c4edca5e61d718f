"""Error e-mails (queue `notifications`): the end of every failure retries cannot fix."""

from __future__ import annotations

from config.tasks import SEND_ERROR_EMAIL
from sync_worker.app import app
from sync_worker.notifications.error_emails import send_for_attempt
from tasks.base import mail_never_given_up


# An error e-mail is the last word on a failure: never given up (`mail_never_given_up`).
@app.task(bind=True, name=SEND_ERROR_EMAIL.name, acks_late=True, max_retries=None)
def send_error_email(self, attempt_id: int) -> str:
    """Tell the tenant's error address what failed, why, and what to do."""
    return mail_never_given_up(self, lambda: send_for_attempt(attempt_id), "the error e-mail")
