"""Any exception a task meets, as a `SyncError` whose class decides retry or failure."""

from __future__ import annotations

import logging

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import InterfaceError, OperationalError

from config.settings import SettingsError
from sync_worker.errors import PermanentError, SyncError, TransientError

log = logging.getLogger(__name__)


def as_sync_error(exc: BaseException, work: str) -> SyncError:
    """`work` names what was interrupted, e.g. "the transfer" or "the expense import"."""
    if isinstance(exc, SyncError):
        return exc
    if isinstance(exc, SoftTimeLimitExceeded):
        # Every step commits as it goes: a retry goes on from the last one done.
        return TransientError(f"{work} took longer than its time limit")
    if isinstance(exc, OperationalError | InterfaceError):
        return TransientError(f"the database was unavailable: {type(exc).__name__}")
    if isinstance(exc, SettingsError):  # e.g. SYNC_SECRET_KEY cannot decrypt a client key
        return PermanentError(str(exc))
    log.exception("unexpected error in %s", work)
    return PermanentError(f"an internal error stopped {work} ({type(exc).__name__})")
