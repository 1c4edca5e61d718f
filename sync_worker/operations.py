"""What operators (and Moment's Setup > Tools) ask of the transfers: re-transfer, retry, status.

retransfer("acme", "customer", ["10001", "10002"])  # the latest snapshot, even unchanged
retry([17, 18])                                     # failed transfers, from the failed step
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from config.settings import get_settings
from sync_worker import dispatch, kinds
from sync_worker.db.models import (
    Attempt,
    EntityState,
    Lane,
    Message,
    MessageStatus,
    SyncStatus,
    Tenant,
    utcnow,
)
from sync_worker.db.session import session_scope
from sync_worker.tenants import get_tenant
from sync_worker.transfers import messages
from sync_worker.transfers.state import find_state


@dataclass(frozen=True)
class Requested:
    """The answer for one number or id: queued, or why not."""

    name: str
    queued: bool
    note: str

    def __str__(self) -> str:
        return f"{'queued ' if self.queued else 'skipped'} {self.name}: {self.note}"


def parse_numbers(texts: str | Iterable[str]) -> list[str]:
    """Numbers separated by commas, semicolons or blanks, as typed in Moment's Setup > Tools
    or given as a command's arguments (`12,13 14`); each once, in the order given."""
    text = texts if isinstance(texts, str) else " ".join(texts)
    return list(dict.fromkeys(text.replace(";", " ").replace(",", " ").split()))


def retransfer(tenant_code: str, kind: str, numbers: list[str]) -> list[Requested]:
    """Transfer the latest snapshot of each entity again, whatever its state, even unchanged.

    `kind` is one an operator may re-transfer (customers and projects: Setup > Tools). A
    number never received from Moment is reported by name, and the rest go on.
    """
    if not kinds.get(kind).retransferable:
        allowed = ", ".join(kinds.names(retransferable=True))
        raise ValueError(f"only {allowed} can be transferred again by number, not {kind}")
    results = []
    lane = dispatch.lane_of(len(numbers))
    with session_scope() as session:
        tenant = get_tenant(session, tenant_code)
        for number in numbers:
            latest = newest_copy(session, tenant.id, kind, number)
            if latest is None:
                results.append(
                    Requested(
                        f"{kind} {number}", False, "never received from Moment; nothing to transfer"
                    )
                )
                continue
            message = _manual_copy(latest, lane)
            session.add(message)
            results.append(
                Requested(
                    f"{kind} {number}", True, f"version {latest.version} queued as {message.id}"
                )
            )
    dispatch.fill()
    return results


def retry(state_ids: list[int]) -> list[Requested]:
    """Re-drive failed transfers: each resumes at the step that failed."""
    results = []
    lane = dispatch.lane_of(len(state_ids))
    with session_scope() as session:
        for state_id in state_ids:
            state = session.get(EntityState, state_id)
            if state is None:
                results.append(Requested(f"#{state_id}", False, "no such transfer"))
                continue
            name = f"#{state_id} {state.kind} {state.number}"
            if state.status == SyncStatus.DONE:
                results.append(Requested(name, False, "already transferred; nothing to retry"))
                continue
            if state.status != SyncStatus.FAILED and state.updated_at > _stall_cutoff():
                results.append(
                    Requested(
                        name,
                        False,
                        f"still {state.status}; it goes on by itself, retry it only once it failed",
                    )
                )
                continue
            latest = messages.newest_message(session, state.tenant_id, state.kind, state.number)
            if latest is None:
                results.append(Requested(name, False, "no message stored for it"))
                continue
            latest.status = MessageStatus.QUEUED
            latest.error = None
            latest.lane = lane
            state.status, state.attempts = SyncStatus.PENDING, 0
            # A lease of its last run must not send it twice: it waits for a turn.
            dispatch.give_back(session, [latest.id])
            results.append(Requested(name, True, f"resumes after step {state.step or 'start'}"))
    dispatch.fill()
    return results


def _stall_cutoff() -> dt.datetime:
    settings = get_settings()
    return utcnow() - dt.timedelta(seconds=settings.visibility_timeout_seconds + 60)


def newest_copy(session, tenant_id: int, kind: str, number: str) -> Message | None:
    """The newest copy of a customer or project Moment sent: its own newest message, or,
    when an invoice carried a newer one (the copy last transferred), that copy as a message
    of the entity's own type."""
    own = messages.newest_message(session, tenant_id, kind, number)
    state = find_state(session, tenant_id, kind, number)
    carrier = (
        session.get(Message, state.source_message_id) if state and state.source_message_id else None
    )
    if carrier is None or carrier.kind == kind:
        return own
    if own is not None and own.occurred_at >= carrier.occurred_at:
        return own
    payload = {
        **{name: carrier.payload[name] for name in ("tenant", "occurred_at")},
        "message_id": carrier.id,
        "type": kinds.get(kind).message_type,
        "version": own.version if own is not None else 1,
        "data": carrier.payload["data"][kind],
    }
    return Message(
        id=carrier.id,
        tenant_id=tenant_id,
        type=payload["type"],
        kind=kind,
        entity_number=number,
        version=payload["version"],
        occurred_at=carrier.occurred_at,
        payload=payload,
    )


def _manual_copy(latest: Message, lane: Lane) -> Message:
    payload = dict(latest.payload, message_id=str(uuid.uuid4()), trigger="manual")
    return Message(
        id=payload["message_id"],
        tenant_id=latest.tenant_id,
        type=latest.type,
        kind=latest.kind,
        entity_number=latest.entity_number,
        version=latest.version,
        trigger="manual",
        occurred_at=latest.occurred_at,
        received_at=utcnow(),
        payload=payload,
        status=MessageStatus.QUEUED,
        lane=lane,
    )


def entity_states(
    tenant_code: str | None,
    *,
    kind: str | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[EntityState]:
    """The latest transfers of a tenant, or of every tenant when `tenant_code` is None."""
    with session_scope() as session:
        query = select(EntityState)
        if tenant_code is not None:
            query = query.where(EntityState.tenant_id == get_tenant(session, tenant_code).id)
        if kind:
            query = query.where(EntityState.kind == kind)
        if status:
            query = query.where(EntityState.status == status)
        return list(session.scalars(query.order_by(EntityState.updated_at.desc()).limit(limit)))


def history(tenant_code: str, kind: str, number: str) -> tuple[EntityState | None, list[Attempt]]:
    with session_scope() as session:
        tenant: Tenant = get_tenant(session, tenant_code)
        state = session.scalar(
            select(EntityState).where(
                EntityState.tenant_id == tenant.id,
                EntityState.kind == kind,
                EntityState.number == number,
            )
        )
        if state is None:
            return None, []
        attempts = session.scalars(
            select(Attempt).where(Attempt.entity_state_id == state.id).order_by(Attempt.id)
        )
        return state, list(attempts)


def queued_messages(
    tenant_code: str | None,
    *,
    kind: str | None = None,
    number: str | None = None,
    limit: int = 100,
) -> list[Message]:
    """Messages stored and queued for an entity no worker has started on yet: their task
    is on its way, or waits in the outbox for a broker that was down when they came. Of
    every tenant when `tenant_code` is None."""
    with session_scope() as session:
        started = select(EntityState.id).where(
            EntityState.tenant_id == Message.tenant_id,
            EntityState.kind == Message.kind,
            EntityState.number == Message.entity_number,
        )
        query = select(Message).where(Message.status == MessageStatus.QUEUED, ~started.exists())
        if tenant_code is not None:
            query = query.where(Message.tenant_id == get_tenant(session, tenant_code).id)
        if kind:
            query = query.where(Message.kind == kind)
        if number:
            query = query.where(Message.entity_number == number)
        return list(session.scalars(query.order_by(Message.received_at.desc()).limit(limit)))
