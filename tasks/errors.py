"""Error e-mails (queue `notifications`): the end of every failure retries cannot fix."""

from __future__ import annotations

from sqlalchemy.exc import InterfaceError, OperationalError

from config.settings import get_settings
from config.tasks import SEND_ERROR_EMAIL
from sync_worker.app import app
from sync_worker.errors import TransientError
from sync_worker.notifications.error_emails import send_for_attempt
from sync_worker.retry import max_countdown


# An error e-mail is the last word on a failure: it is retried until the SMTP server and
# the database take it, never given up, with every wait below the visibility timeout.
@app.task(
    bind=True,
    name=SEND_ERROR_EMAIL.name,
    acks_late=True,
    autoretry_for=(TransientError, OperationalError, InterfaceError),
    retry_backoff=30,
    retry_backoff_max=int(max_countdown(get_settings())),
    max_retries=None,
)
def send_error_email(self, attempt_id: int) -> str:
    """Tell the tenant's error address what failed, why, and what to do."""
    return send_for_attempt(attempt_id)
