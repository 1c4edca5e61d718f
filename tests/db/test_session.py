"""The engine's pool without a pre-ping of every checkout: a connection dropped while it
sat idle is found and replaced at checkout; a busy one costs no ping."""

from __future__ import annotations

import sqlalchemy as sa

from sync_worker.db import session as sessions
from sync_worker.db.session import get_engine, session_scope
from tests.support.round_trips import counting


def backend_pid() -> int:
    with session_scope() as session:
        return session.scalar(sa.text("SELECT pg_backend_pid()"))


def test_a_connection_dropped_while_idle_is_replaced_at_checkout(env, database_url, monkeypatch):
    monkeypatch.setattr(sessions, "PING_AFTER_IDLE_SECONDS", 0)
    dropped = backend_pid()
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:  # as a database restart or a firewall would
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    admin.dispose()

    assert backend_pid() != dropped  # no error: the pool connected afresh


def test_a_connection_back_in_use_at_once_is_not_pinged(env):
    backend_pid()
    with counting(get_engine()) as trips:
        backend_pid()

    assert trips.pre_pings == 0 and trips.statement_count == 1
