"""Engines and sessions. One engine per process and database URL."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from config.settings import get_settings

# A server that does not answer (a lost host, a firewall) fails in seconds, not minutes.
CONNECT_TIMEOUT_SECONDS = 5
# Pooled connections are replaced at checkout once this old: below the idle timeouts of
# firewalls, NAT gateways and load balancers (5-6 min), so one they dropped is seldom met.
POOL_RECYCLE_SECONDS = 240
# A connection that sat unused in the pool this long is pinged at checkout (a process
# with little to do, after a database restart). A busy worker's connections are back in
# use within milliseconds: they cost no ping, which was a third of its round trips.
PING_AFTER_IDLE_SECONDS = 30
MIGRATE_COMMAND = "sync-worker db upgrade"
# PostgreSQL's SQLSTATEs for a table or column the code expects and the schema lacks.
_UNDEFINED_TABLE, _UNDEFINED_COLUMN = "42P01", "42703"
_SQLITE_MISSING = ("no such table", "no such column", "has no column named")

_RETURNED_AT = "returned_at"  # the key in a pooled connection's info

_engines: dict[str, Engine] = {}
_factories: dict[str, sessionmaker[Session]] = {}


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url` (default: SYNC_DATABASE_URL), created once per process."""
    url = url or get_settings().database_url
    if url not in _engines:
        _engines[url] = _create_engine(url)
    return _engines[url]


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping of every checkout. A connection the server dropped while it was in use
    # fails at the transaction's first statement, before anything is written (never at a
    # COMMIT of work done), as an OperationalError that invalidates the whole pool: the
    # work is transient by its class (sync_worker.failures), so its task retries on fresh
    # connections and no message is lost.
    engine = create_engine(
        url,
        pool_recycle=POOL_RECYCLE_SECONDS,
        pool_size=5,
        max_overflow=5,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )
    event.listen(engine.pool, "checkin", _note_return)
    event.listen(engine.pool, "checkout", functools.partial(_ping_when_idle, engine.dialect))
    return engine


def _note_return(_dbapi_connection, record) -> None:
    record.info[_RETURNED_AT] = time.monotonic()


def _ping_when_idle(dialect, dbapi_connection, record, _proxy) -> None:
    returned = record.info.get(_RETURNED_AT)
    if returned is None or time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as exc:
        # The pool connects afresh and hands that out instead.
        raise DisconnectionError("a pooled connection was dropped while idle") from exc


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any error."""
    url = url or get_settings().database_url
    if url not in _factories:
        _factories[url] = sessionmaker(bind=get_engine(url), expire_on_commit=False)
    session = _factories[url]()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose_engines() -> None:
    """Close every pooled connection: after a fork, and when tests switch databases."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
    _factories.clear()


def database_problem(exc: BaseException, url: str | None = None) -> str | None:
    """One line for an operator when `exc` is the database being unreachable or its
    schema not migrated; None for anything else (a bug keeps its traceback)."""
    if not isinstance(exc, DBAPIError):
        return None
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    if is_schema_missing(exc):
        return f"the database is not migrated ({reason}): run `{MIGRATE_COMMAND}`"
    if isinstance(exc, OperationalError):  # the server: down, unknown, refusing, gone
        safe = make_url(url or get_settings().database_url).render_as_string(hide_password=True)
        return f"cannot use the database {safe} (SYNC_DATABASE_URL): {reason}"
    return None


def is_schema_missing(exc: DBAPIError) -> bool:
    """Whether `exc` says a table or column the code uses is not in the database."""
    code = getattr(exc.orig, "pgcode", None) or getattr(exc.orig, "sqlstate", None)
    if code in (_UNDEFINED_TABLE, _UNDEFINED_COLUMN):
        return True
    return isinstance(exc, OperationalError) and any(
        text in str(exc.orig) for text in _SQLITE_MISSING
    )
