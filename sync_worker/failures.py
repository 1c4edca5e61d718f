"""Any exception a task meets, as a `SyncError` whose class decides retry or failure.

This is the one place that translates foreign exceptions into the hierarchy of
`sync_worker.errors`. A failure of the infrastructure we run on (Redis, PostgreSQL, the
broker, the network) is transient by its class: the same work succeeds once it is back,
and no person has anything to fix. Anything else that is not a `SyncError` (a TypeError,
an IntegrityError) is a bug or bad data of ours, and permanent, so that it surfaces.
"""

from __future__ import annotations

import errno
import logging
import socket

import kombu.exceptions
import redis.exceptions
import requests
import sqlalchemy.exc
from celery.exceptions import SoftTimeLimitExceeded

from config.settings import SettingsError
from sync_worker.errors import PermanentError, SyncError, TransientError

log = logging.getLogger(__name__)

# What failed, for each family of exceptions that means "unreachable or not ready yet".
# Only the connection families: redis' ResponseError (a wrong command) and SQLAlchemy's
# IntegrityError or DataError (a row the database refuses) are ours to fix, not to retry.
INFRASTRUCTURE: tuple[tuple[str, tuple[type[BaseException], ...]], ...] = (
    (
        "Redis",
        (
            # ConnectionError covers BusyLoadingError (a restart loading its data),
            # MaxConnectionsError and a refused AUTH.
            redis.exceptions.ConnectionError,
            redis.exceptions.TimeoutError,
            # A failover in progress: a replica that is read-only, a cluster not ready.
            redis.exceptions.ReadOnlyError,
            redis.exceptions.TryAgainError,
            redis.exceptions.ClusterDownError,
            redis.exceptions.OutOfMemoryError,  # full until keys expire or memory is added
        ),
    ),
    (
        "the database",
        (
            sqlalchemy.exc.OperationalError,
            sqlalchemy.exc.InterfaceError,
            sqlalchemy.exc.DisconnectionError,
            sqlalchemy.exc.TimeoutError,  # no pooled connection came free in time
        ),
    ),
    ("the broker", (kombu.exceptions.OperationalError,)),
    (
        "the network",
        (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
            ConnectionError,  # refused, reset, aborted, broken pipe
            TimeoutError,
            socket.gaierror,  # a name that could not be resolved (DNS)
        ),
    ),
)
# A plain OSError with one of these is the network too; a missing file is not.
NETWORK_ERRNOS = frozenset(
    {errno.ENETDOWN, errno.ENETUNREACH, errno.EHOSTDOWN, errno.EHOSTUNREACH, errno.ENOBUFS}
)


def as_sync_error(exc: BaseException, work: str) -> SyncError:
    """`work` names what was interrupted, e.g. "the transfer" or "the expense import"."""
    if isinstance(exc, SyncError):
        return exc
    if isinstance(exc, SoftTimeLimitExceeded):
        # Every step commits as it goes: a retry goes on from the last one done.
        return TransientError(f"{work} took longer than its time limit")
    unavailable = infrastructure_failure(exc)
    if unavailable is not None:
        return unavailable
    if isinstance(exc, SettingsError):  # e.g. SYNC_SECRET_KEY cannot decrypt a client key
        return PermanentError(str(exc))
    log.exception("unexpected error in %s", work)
    return PermanentError(f"an internal error stopped {work} ({type(exc).__name__})")


def infrastructure_failure(exc: BaseException, operation: str = "") -> TransientError | None:
    """The `TransientError` for a failure of our own infrastructure, None for anything else.

    Only the exception's class is named: the text of a driver's exception may carry a
    statement, its parameters or a connection string.
    """
    what = unavailable_service(exc)
    if what is None:
        return None
    prefix = f"{operation}: " if operation else ""
    return TransientError(f"{prefix}{what} was unavailable ({type(exc).__name__})")


def unavailable_service(exc: BaseException) -> str | None:
    """Which of our services `exc` says is unavailable ("Redis", …), or None."""
    for what, families in INFRASTRUCTURE:
        if isinstance(exc, families):
            return what
    if type(exc) is OSError and exc.errno in NETWORK_ERRNOS:
        return "the network"
    return None
