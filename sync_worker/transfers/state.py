"""Per-entity sync state: what PowerOffice Go holds of each entity, and how far its
transfer got. The attempt history is `sync_worker.history`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sync_worker.db.models import EntityState
from sync_worker.db.session import session_scope


def find_state(session: Session, tenant_id: int, kind: str, number: str) -> EntityState | None:
    return session.scalar(
        select(EntityState).where(
            EntityState.tenant_id == tenant_id,
            EntityState.kind == kind,
            EntityState.number == number,
        )
    )


def get_state(session: Session, tenant_id: int, kind: str, number: str) -> EntityState:
    """The entity's state row, created on first use (two workers racing both get the one)."""
    state = find_state(session, tenant_id, kind, number)
    if state is not None:
        return state
    try:
        with session.begin_nested():
            state = EntityState(tenant_id=tenant_id, kind=kind, number=number)
            session.add(state)
    except IntegrityError:
        state = find_state(session, tenant_id, kind, number)
    return state


def read_state(tenant_id: int, kind: str, number: str) -> EntityState:
    """A detached copy of the entity's state, for reading between steps."""
    with session_scope() as session:
        return get_state(session, tenant_id, kind, number)


def update_state(state_id: int, **values: Any) -> EntityState:
    """Write `values` onto the state and commit at once: what PowerOffice Go now holds
    must never be forgotten because a later step failed."""
    with session_scope() as session:
        return write_state(session, state_id, **values)


def write_state(session: Session, state_id: int, **values: Any) -> EntityState:
    """Write `values` onto the state in `session`'s transaction; the row as written.

    One UPDATE … RETURNING: the row is not read first."""
    return session.scalars(
        update(EntityState)
        .where(EntityState.id == state_id)
        .values(**values)
        .returning(EntityState)
        .execution_options(populate_existing=True)
    ).one()
