"""The way in for Moment's backend: validate, store durably, then enqueue.

    from sync_worker.producer import publish, publish_many, publish_text
    result = publish(message_dict)            # raises InvalidMessage when refused
    results = publish_many(list_of_messages)  # one result per message, never raises for one
    labelled = publish_text(json_text)        # ("line 3", result) per document in the text

A message is checked against the contract and stored in the database; the stored message
is its own outbox entry. In the same transaction it takes its turn when the broker's
window has room (`sync_worker.dispatch`: fair to every tenant), and only after the commit
is its Celery task sent; otherwise it waits, stored, for its turn. A
batch is judged message by message: a bad one is refused with its own error, whatever it
breaks (the contract refuses at the door what the database cannot hold), and the rest are
stored. The same `message_id` twice is stored once and enqueued once; with other content
it is refused, and the first kept. Task arguments carry the message id only: never the
payload, the PDF, or a secret.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm import Session

from sync_worker import counters, dispatch
from sync_worker.db.models import Message, MessageStatus, Tenant, utcnow
from sync_worker.db.session import session_scope
from sync_worker.errors import InvalidMessage
from sync_worker.schemas.entities import Envelope
from sync_worker.schemas.json_text import Document, read_documents
from sync_worker.schemas.messages import known_message_id, parse_message, shown

Status = Literal["accepted", "duplicate", "refused"]


@dataclass(frozen=True)
class PublishResult:
    """What became of one message: accepted, duplicate (stored before), or refused."""

    message_id: str | None
    status: Status
    error: str | None = None
    # Why it was refused, as a short category for the metrics (the error says it in words).
    reason: str | None = field(default=None, compare=False, repr=False)

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


def publish_many(messages: Iterable[Any], *, tenant: str | None = None) -> list[PublishResult]:
    """Publish a batch in one transaction; each bad message is refused with its own error,
    whatever it breaks, and the rest go on. With `tenant` (the HTTP door's token), a
    message of any other tenant is refused as if that tenant were unknown."""
    results: list[PublishResult | None] = []
    accepted: list[tuple[int, Envelope, dict[str, Any]]] = []
    raws = list(messages)
    for raw in raws:
        try:
            envelope = parse_message(raw)
        except InvalidMessage as exc:
            results.append(PublishResult(known_message_id(raw), "refused", str(exc), "contract"))
            continue
        if tenant is not None and envelope.tenant != tenant:
            results.append(_not_this_tokens(envelope))
            continue
        accepted.append((len(results), envelope, raw))
        results.append(None)
    if accepted:
        room = dispatch.room()  # asked first: the broker is not asked inside the transaction
        with session_scope() as session:
            outcomes, inserted = _store(session, accepted)
            # Their turns are taken in the same transaction: one commit a call.
            turns = dispatch.take_turns(session, room) if inserted and room else []
        dispatch.send(turns)
        for index, result in outcomes.items():
            results[index] = result
    for raw, result in zip(raws, results, strict=True):
        counters.message_published(raw, result.status, result.reason)
    return [r for r in results if r is not None]


def publish_text(text: str) -> list[tuple[str, PublishResult]]:
    """Publish the messages in `text` (a JSON object, an array of them, or JSON lines),
    each labelled for a person ("line 3", "item 2"); one unreadable document is refused on
    its own."""
    return publish_documents(read_documents(text))


def publish_documents(documents: Sequence[Document]) -> list[tuple[str, PublishResult]]:
    """Publish documents read from a text (`json_text.read_documents`), in one
    transaction, each with its label; an unreadable one is refused on its own."""
    published = iter(publish_many([d.value for d in documents if d.unreadable is None]))
    return [
        (
            document.label,
            next(published)
            if document.unreadable is None
            else PublishResult(None, "refused", document.unreadable),
        )
        for document in documents
    ]


def _not_this_tokens(envelope: Envelope) -> PublishResult:
    return _refused(
        envelope,
        f"tenant: '{shown(envelope.tenant)}' is not the tenant of this API token; a token "
        "publishes its own tenant's messages only",
        "unknown_tenant",
    )


def _store(
    session: Session, accepted: list[tuple[int, Envelope, dict[str, Any]]]
) -> tuple[dict[int, PublishResult], set[str]]:
    """Store the accepted messages: each one's result, and the ids inserted. It must be
    the session's first write, as a refused row rolls the transaction back."""
    tenants = _tenant_ids(session, {envelope.tenant for _, envelope, _ in accepted})
    outcomes: dict[int, PublishResult] = {}
    firsts: dict[str, dict[str, Any]] = {}  # the first row of each message_id in the batch
    first_index: dict[str, int] = {}
    for index, envelope, raw in accepted:
        if envelope.tenant not in tenants:
            outcomes[index] = _refused(
                envelope,
                f"tenant: unknown tenant '{shown(envelope.tenant)}'; it must be registered "
                "with `sync-worker tenant add`",
                "unknown_tenant",
            )
        elif envelope.message_id not in firsts:
            firsts[envelope.message_id] = _row(envelope, raw, tenants[envelope.tenant])
            first_index[envelope.message_id] = index
    _set_lanes(firsts.values())
    inserted, refused = _insert_new(session, list(firsts.values()))
    stored = _stored_payloads(session, set(firsts) - inserted - set(refused))
    for index, envelope, raw in accepted:
        if index in outcomes:
            continue
        message_id = envelope.message_id
        if message_id in refused:
            outcomes[index] = _refused(envelope, refused[message_id], "database")
        elif message_id in inserted and first_index[message_id] == index:
            outcomes[index] = PublishResult(message_id, "accepted")
        else:
            # Stored before, or earlier in this batch: the same message again, or not.
            earlier = stored.get(message_id, firsts[message_id]["payload"])
            outcomes[index] = _duplicate_or_changed(envelope, raw, earlier)
    return outcomes, inserted


def _set_lanes(rows: Iterable[dict[str, Any]]) -> None:
    """A tenant's only message in this call is interactive, several are bulk."""
    rows = list(rows)
    per_tenant = Counter(row["tenant_id"] for row in rows)
    for row in rows:
        row["lane"] = dispatch.lane_of(per_tenant[row["tenant_id"]])


def _duplicate_or_changed(
    envelope: Envelope, raw: dict[str, Any], earlier: dict[str, Any]
) -> PublishResult:
    if _content(raw) == _content(earlier):
        return PublishResult(envelope.message_id, "duplicate")
    return _refused(
        envelope,
        "message_id: already received with other content; a changed message needs a new "
        "message_id (the one received first is kept)",
        "changed_content",
    )


def _content(raw: dict[str, Any]) -> dict[str, Any]:
    # The id may be spelled in another case; it matched already, in its canonical form.
    return {key: value for key, value in raw.items() if key != "message_id"}


def _refused(envelope: Envelope, problem: str, reason: str) -> PublishResult:
    return PublishResult(
        envelope.message_id,
        "refused",
        f"message {envelope.message_id} ({envelope.type}): {problem}",
        reason,
    )


def _tenant_ids(session: Session, codes: set[str]) -> dict[str, int]:
    return dict(session.execute(select(Tenant.code, Tenant.id).where(Tenant.code.in_(codes))).all())


def _stored_payloads(session: Session, message_ids: set[str]) -> dict[str, dict[str, Any]]:
    if not message_ids:
        return {}
    rows = session.execute(select(Message.id, Message.payload).where(Message.id.in_(message_ids)))
    return dict(rows.all())


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
        "dispatched_at": None,  # it waits for its turn (sync_worker.dispatch)
    }


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> tuple[set[str], dict[str, str]]:
    """Insert rows whose message_id is new: the ids inserted, and those the database
    refused with its reason.

    The contract refuses at the door what the database cannot hold; should one still slip
    through, the transaction (which holds nothing else yet) is rolled back and the batch
    inserted again one row at a time, each under its own savepoint, so that only that
    message is refused. The common case pays for no savepoint.
    """
    if not rows:
        return set(), {}
    try:
        return _insert(session, rows), {}
    except StatementError as exc:
        if not _refused_by_the_database(exc):
            raise
    session.rollback()
    inserted: set[str] = set()
    refused: dict[str, str] = {}
    for row in rows:
        try:
            with session.begin_nested():
                inserted |= _insert(session, [row])
        except StatementError as exc:
            if not _refused_by_the_database(exc):
                raise
            refused[row["id"]] = f"the database refused it: {_first_line(exc)}"
    return inserted, refused


def _insert(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # The table's INSERT, with the rows as parameters (one statement for a batch), not the
    # ORM's bulk INSERT, whose per-call bookkeeping cost more than the statement. It is
    # compiled each call: SQLAlchemy 2.0 does not cache PostgreSQL's ON CONFLICT insert.
    messages = Message.__table__
    statement = dialect.insert(messages).on_conflict_do_nothing().returning(messages.c.id)
    return set(session.scalars(statement, rows))


def _refused_by_the_database(exc: StatementError) -> bool:
    """The row's own fault (a value out of range, too long, unstorable), not the database
    being unreachable or failing: that is our infrastructure, and transient."""
    if isinstance(exc, DBAPIError):
        return isinstance(exc, DataError | IntegrityError)
    return True  # a value that could not even be bound: always the row's


def _first_line(exc: StatementError) -> str:
    reason = exc.orig if exc.orig is not None else exc
    lines = str(reason).strip().splitlines()
    return shown(lines[0], limit=None) if lines else type(reason).__name__
