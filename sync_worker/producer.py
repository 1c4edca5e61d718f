"""The way in for Moment's backend: validate, store durably, then enqueue.

    from sync_worker.producer import publish, publish_many
    result = publish(message_dict)            # raises InvalidMessage when refused
    results = publish_many(list_of_messages)  # one result per message, never raises for one

A message is checked against the contract, stored in the database in the same
transaction as its outbox entry, and only after the commit is its Celery task sent. The
same `message_id` twice is stored once and enqueued once. Task arguments carry the
message id only: never the payload, the PDF, or a secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sync_worker import kinds, outbox
from sync_worker.db.models import Message, MessageStatus, Tenant, utcnow
from sync_worker.db.session import session_scope
from sync_worker.errors import InvalidMessage
from sync_worker.schemas.entities import Envelope
from sync_worker.schemas.messages import parse_message


@dataclass(frozen=True)
class PublishResult:
    """What became of one message: accepted, duplicate (stored before), or refused."""

    message_id: str | None
    status: Literal["accepted", "duplicate", "refused"]
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "refused"

    def __str__(self) -> str:
        label = self.message_id or "(no message_id)"
        return f"{self.status:<9} {label}" + (f"  {self.error}" if self.error else "")


def publish(message: dict[str, Any]) -> PublishResult:
    """Publish one message; raises `InvalidMessage` (naming the field) when it is refused."""
    [result] = publish_many([message])
    if not result.ok:
        raise InvalidMessage(result.error or "refused")
    return result


def publish_many(messages: Iterable[dict[str, Any]]) -> list[PublishResult]:
    """Publish a batch in one transaction; bad messages are refused, the rest go on."""
    results: list[PublishResult | None] = []
    accepted: list[tuple[int, Envelope, dict[str, Any]]] = []
    for raw in messages:
        try:
            accepted.append((len(results), parse_message(raw), raw))
            results.append(None)
        except InvalidMessage as exc:
            results.append(PublishResult(_message_id_of(raw), "refused", str(exc)))
    if accepted:
        with session_scope() as session:
            outcomes, entry_ids = _store(session, accepted)
        outbox.send(entry_ids)
        for index, result in outcomes.items():
            results[index] = result
    return [r for r in results if r is not None]


def _store(
    session: Session, accepted: list[tuple[int, Envelope, dict[str, Any]]]
) -> tuple[dict[int, PublishResult], list[int]]:
    tenants = _tenant_ids(session, {envelope.tenant for _, envelope, _ in accepted})
    outcomes: dict[int, PublishResult] = {}
    rows = []
    for index, envelope, raw in accepted:
        if envelope.tenant not in tenants:
            error = (
                f"message {envelope.message_id} ({envelope.type}): tenant: unknown tenant "
                f"{envelope.tenant!r}; it must be registered with `sync-worker tenant add`"
            )
            outcomes[index] = PublishResult(envelope.message_id, "refused", error)
            continue
        rows.append(_row(envelope, raw, tenants[envelope.tenant]))
    rows = list({row["id"]: row for row in reversed(rows)}.values())  # first of each id wins
    inserted = _insert_new(session, rows)
    entry_ids = outbox.add_many(
        session,
        [
            (kinds.get(row["kind"]).task, {"message_id": row["id"]})
            for row in rows
            if row["id"] in inserted
        ],
    )
    for index, envelope, _ in accepted:
        if index not in outcomes:
            status = "accepted" if envelope.message_id in inserted else "duplicate"
            outcomes[index] = PublishResult(envelope.message_id, status)
            inserted.discard(envelope.message_id)  # a repeat inside the batch is a duplicate
    return outcomes, entry_ids


def _tenant_ids(session: Session, codes: set[str]) -> dict[str, int]:
    return dict(session.execute(select(Tenant.code, Tenant.id).where(Tenant.code.in_(codes))).all())


def _row(envelope: Envelope, raw: dict[str, Any], tenant_id: int) -> dict[str, Any]:
    return {
        "id": envelope.message_id,
        "tenant_id": tenant_id,
        "type": envelope.type,
        "kind": envelope.kind,
        "entity_number": envelope.entity_number,
        "version": envelope.version,
        "trigger": envelope.trigger,
        "occurred_at": envelope.occurred_at,
        "received_at": utcnow(),
        "payload": raw,
        "status": MessageStatus.QUEUED,
    }


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Insert rows whose message_id is new; returns the ids actually inserted."""
    if not rows:
        return set()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # Rows as parameters, not `.values(rows)`: the statement is then compiled once and
    # cached, where a multi-row VALUES clause was compiled anew for every batch.
    statement = dialect.insert(Message).on_conflict_do_nothing().returning(Message.id)
    return set(session.scalars(statement, rows))


def _message_id_of(raw: Any) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("message_id"), str):
        return raw["message_id"]
    return None
