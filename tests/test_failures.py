"""Foreign exceptions as the hierarchy: a failure of our own infrastructure is transient by
its class, a bug or bad data stays permanent, and no driver's text reaches the message."""

from __future__ import annotations

import errno
import socket

import kombu.exceptions
import pytest
import redis
import requests
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import exc as sa

from config.settings import SettingsError
from sync_worker.errors import ExportRefused, PermanentError, TransientError
from sync_worker.failures import as_sync_error, infrastructure_failure
from sync_worker.policy import Action, verdict

# What a driver may put in its text: a statement, its parameters, a connection string.
DRIVER_TEXT = "INSERT INTO tenants VALUES ('password=hunter2')"


def _db(cls: type[sa.DBAPIError]) -> sa.DBAPIError:
    return cls(DRIVER_TEXT, {"key": "hunter2"}, Exception("server closed the connection"))


@pytest.mark.parametrize(
    ("exc", "service"),
    [
        (redis.ConnectionError(f"Error 111 connecting: {DRIVER_TEXT}"), "Redis"),
        (redis.TimeoutError("Timeout reading from socket"), "Redis"),
        (redis.exceptions.BusyLoadingError("Redis is loading the dataset"), "Redis"),
        (redis.exceptions.ReadOnlyError("You can't write against a read only replica"), "Redis"),
        (_db(sa.OperationalError), "the database"),
        (_db(sa.InterfaceError), "the database"),
        (sa.DisconnectionError(DRIVER_TEXT), "the database"),
        (sa.TimeoutError("QueuePool limit reached"), "the database"),
        (kombu.exceptions.OperationalError("[Errno 111] Connection refused"), "the broker"),
        (requests.ConnectionError("Max retries exceeded"), "the network"),
        (requests.Timeout("read timed out"), "the network"),
        (requests.exceptions.ChunkedEncodingError("IncompleteRead"), "the network"),
        (ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"), "the network"),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "the network"),
        (TimeoutError("timed out"), "the network"),
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "the network"),
        (OSError(errno.ENETUNREACH, "Network is unreachable"), "the network"),
    ],
)
def test_a_failure_of_our_infrastructure_retries(exc, service):
    error = as_sync_error(exc, "the transfer")

    assert type(error) is TransientError and verdict(error) is Action.RETRY
    assert str(error) == f"{service} was unavailable ({type(exc).__name__})"
    assert "hunter2" not in str(error)


@pytest.mark.parametrize(
    "exc",
    [
        TypeError("unsupported operand type(s) for +: 'int' and 'str'"),
        KeyError("Id"),
        AttributeError("'NoneType' object has no attribute 'get'"),
        ValueError("invalid literal for int()"),
        _db(sa.IntegrityError),
        _db(sa.DataError),
        _db(sa.ProgrammingError),
        redis.ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value"),
        FileNotFoundError(errno.ENOENT, "No such file or directory"),
        PermissionError(errno.EACCES, "Permission denied"),
    ],
)
def test_a_bug_or_bad_data_stays_permanent_and_names_no_internals(exc):
    error = as_sync_error(exc, "the transfer")

    assert type(error) is PermanentError and verdict(error) is Action.FAILED
    assert str(error) == f"an internal error stopped the transfer ({type(exc).__name__})"
    assert infrastructure_failure(exc) is None


def test_errors_of_our_own_and_the_special_cases_keep_their_class():
    refused = ExportRefused("no VAT code 3")

    assert as_sync_error(refused, "the transfer") is refused
    assert type(as_sync_error(SoftTimeLimitExceeded(), "the transfer")) is TransientError
    settings = as_sync_error(SettingsError("SYNC_SECRET_KEY cannot decrypt"), "the transfer")
    assert type(settings) is PermanentError


def test_an_operation_is_named_first():
    error = infrastructure_failure(redis.ConnectionError("refused"), "GET /VatCodes")

    assert str(error) == "GET /VatCodes: Redis was unavailable (ConnectionError)"
