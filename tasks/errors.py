"""Error e-mails (queue `notifications`): the end of every failure retries cannot fix."""

from __future__ import annotations

from sync_worker.app import app
from sync_worker.errors import TransientError
from sync_worker.notifications.error_emails import send_for_attempt


@app.task(
    bind=True,
    name="tasks.errors.send_error_email",
    acks_late=True,
    autoretry_for=(TransientError,),
    retry_backoff=60,
    retry_backoff_max=900,
    max_retries=12,
)
def send_error_email(self, attempt_id: int) -> str:
    """Tell the tenant's error address what failed, why, and what to do."""
    return send_for_attempt(attempt_id)
