"""Locks that keep two workers off the same entity (or the same tenant's import).

PostgreSQL advisory locks, held on a connection of their own for as long as the work
takes, so the work itself may commit as often as it likes. They vanish with the
connection if a worker dies, so a killed worker never leaves an entity locked. On
SQLite (the single-process demo) a lock per key in this process does the same job.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from sync_worker.db.session import get_engine
from sync_worker.errors import EntityBusy

_local_locks: dict[tuple[int, int], threading.Lock] = {}
_local_guard = threading.Lock()
_held = threading.local()  # the keys this thread holds: taking one again is a no-op

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout runs out


def lock_key(namespace: str, tenant_id: int, name: str) -> tuple[int, int]:
    """Two 32-bit integers, as pg_advisory_lock(int, int) takes them."""
    digest = zlib.crc32(f"{namespace}:{name}".encode())
    return tenant_id, digest - (1 << 32) if digest >= (1 << 31) else digest


@contextmanager
def advisory_lock(
    namespace: str,
    tenant_id: int,
    name: str,
    *,
    wait_seconds: float = 20.0,
    reentrant: bool = False,
) -> Iterator[None]:
    """Hold the lock for (namespace, tenant, name); EntityBusy if it stays taken.

    `reentrant`: a thread that holds the lock already goes on. An invoice takes its
    customer's lock, which a customer message's own run holds when it calls the same code.
    """
    key = lock_key(namespace, tenant_id, name)
    held = _held.__dict__.setdefault("keys", set())
    if reentrant and key in held:
        yield
        return
    held.add(key)
    try:
        with _acquire(key, wait_seconds, f"{namespace} {name}"):
            yield
    finally:
        held.discard(key)


@contextmanager
def _acquire(key: tuple[int, int], wait_seconds: float, label: str) -> Iterator[None]:
    engine = get_engine()
    if engine.dialect.name == "sqlite":
        with _local_lock(key, wait_seconds, label):
            yield
        return
    # Autocommit: a session-level lock outlives transactions, so none is needed around it,
    # and taking and releasing it costs no COMMIT. The lock_timeout set here stays with the
    # connection, so it is reset before the connection goes back to the pool.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"SET lock_timeout = '{int(wait_seconds * 1000)}ms'"))
        try:
            connection.execute(text("SELECT pg_advisory_lock(:a, :b)"), {"a": key[0], "b": key[1]})
        except OperationalError as exc:
            if getattr(exc.orig, "pgcode", None) != LOCK_NOT_AVAILABLE:
                raise  # a lost connection is not a busy entity
            connection.execute(text("RESET lock_timeout"))
            raise EntityBusy(f"{label} is being worked on by another worker") from None
        try:
            yield
        finally:
            connection.execute(
                text("SELECT pg_advisory_unlock(:a, :b)"), {"a": key[0], "b": key[1]}
            )
            connection.execute(text("RESET lock_timeout"))


@contextmanager
def _local_lock(key: tuple[int, int], wait_seconds: float, label: str) -> Iterator[None]:
    with _local_guard:
        lock = _local_locks.setdefault(key, threading.Lock())
    if not lock.acquire(timeout=wait_seconds):
        raise EntityBusy(f"{label} is being worked on by another worker")
    try:
        yield
    finally:
        lock.release()
