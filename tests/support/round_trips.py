"""Counting the database round trips of a piece of work, from SQLAlchemy's events.

What goes to the server, and how each is seen:

- a statement: `before_cursor_execute` (every statement the engine runs, ORM or Core);
- a commit or a rollback: the engine's `commit` and `rollback` events, and the pool's
  `reset` when it rolls back a connection returned with its transaction still open;
- a pool pre-ping: it runs `SELECT 1` on the raw DBAPI cursor, past the cursor events
  (`Pool._checkout` → `dialect._do_ping_w_event` → `dialect.do_ping`), so the dialect's
  `do_ping` is wrapped for as long as the count runs.

The BEGIN that psycopg sends before a transaction's first statement is not a statement
SQLAlchemy sees; `begins` counts the transactions begun, apart from the total.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event

_VERB = re.compile(r"^\s*(\w+)")
_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN)\s+\"?(\w+)", re.IGNORECASE)
_FUNCTION = re.compile(r"\b(pg_advisory_\w+)\s*\(", re.IGNORECASE)
_IDLE = 0  # psycopg's TRANSACTION_STATUS_IDLE (psycopg2) and TransactionStatus.IDLE (3)


@dataclass
class RoundTrips:
    """What one piece of work sent to the database."""

    statements: Counter[str] = field(default_factory=Counter)  # "VERB table" → count
    commits: int = 0
    rollbacks: int = 0
    pre_pings: int = 0
    begins: int = 0

    @property
    def statement_count(self) -> int:
        return sum(self.statements.values())

    @property
    def total(self) -> int:
        """Statements, commits, rollbacks and pre-pings: each one a trip to the server."""
        return self.statement_count + self.commits + self.rollbacks + self.pre_pings

    def count(self, what: str) -> int:
        """Statements whose "VERB table" label is `what` or starts with it ("SELECT")."""
        return sum(n for label, n in self.statements.items() if label.startswith(what))

    @property
    def entity_state_reads(self) -> int:
        return self.count("SELECT entity_states")

    @property
    def advisory_lock_calls(self) -> int:
        return self.count("SELECT pg_advisory_lock") + self.count("SELECT pg_advisory_unlock")

    def add(self, other: RoundTrips) -> None:
        self.statements.update(other.statements)
        self.commits += other.commits
        self.rollbacks += other.rollbacks
        self.pre_pings += other.pre_pings
        self.begins += other.begins

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "statements": self.statement_count,
            "commits": self.commits,
            "rollbacks": self.rollbacks,
            "pre_pings": self.pre_pings,
            "begins (psycopg's BEGIN, not in the total)": self.begins,
            "entity_states reads": self.entity_state_reads,
            "advisory lock calls": self.advisory_lock_calls,
            "by statement": dict(sorted(self.statements.items())),
        }


def label(statement: str) -> str:
    """ "VERB table" for a statement: its first word and the first table it names (or the
    advisory-lock function it calls)."""
    verb_match = _VERB.match(statement)
    verb = verb_match.group(1).upper() if verb_match else "?"
    function = _FUNCTION.search(statement)
    if function:
        return f"{verb} {function.group(1).lower()}"
    table = _TABLE.search(statement)
    return f"{verb} {table.group(1)}" if table else verb


def _autocommit(conn) -> bool:
    return conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


@contextmanager
def counting(engine: Engine) -> Iterator[RoundTrips]:
    """Count what `engine` sends while the block runs."""
    trips = RoundTrips()

    def on_statement(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        trips.statements[label(statement)] += 1

    def on_commit(_conn) -> None:
        trips.commits += 1

    # An autocommit connection's begin and rollback are SQLAlchemy's alone: psycopg
    # sends nothing for them.
    def on_rollback(conn) -> None:
        trips.rollbacks += not _autocommit(conn)

    def on_begin(conn) -> None:
        trips.begins += not _autocommit(conn)

    def on_reset(dbapi_connection, _record, reset_state=None) -> None:
        # The pool rolls back what is returned to it; a connection whose transaction was
        # ended already costs psycopg no trip (it sends nothing when idle).
        if reset_state is not None and reset_state.transaction_was_reset:
            return
        info = getattr(dbapi_connection, "info", None)
        if info is not None and int(info.transaction_status) != _IDLE:
            trips.rollbacks += 1

    dialect = engine.dialect
    own_ping = dialect.do_ping

    def counted_ping(dbapi_connection) -> bool:
        trips.pre_pings += 1
        return own_ping(dbapi_connection)

    listeners = [
        (engine, "before_cursor_execute", on_statement),
        (engine, "commit", on_commit),
        (engine, "rollback", on_rollback),
        (engine, "begin", on_begin),
        (engine.pool, "reset", on_reset),
    ]
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    dialect.do_ping = counted_ping
    try:
        yield trips
    finally:
        del dialect.do_ping  # the class's own again
        for target, name, listener in listeners:
            event.remove(target, name, listener)
