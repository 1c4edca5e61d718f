"""Engines and sessions. One engine per process and database URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from config.settings import get_settings

# A server that does not answer (a lost host, a firewall) fails in seconds, not minutes.
CONNECT_TIMEOUT_SECONDS = 5
MIGRATE_COMMAND = "sync-worker db upgrade"
# PostgreSQL's SQLSTATEs for a table or column the code expects and the schema lacks.
_UNDEFINED_TABLE, _UNDEFINED_COLUMN = "42P01", "42703"
_SQLITE_MISSING = ("no such table", "no such column", "has no column named")

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
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )


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
