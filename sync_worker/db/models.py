"""The worker system's own records, in PostgreSQL (SQLite for the embedded demo).

- `Tenant`: one Moment company, its encrypted PowerOffice Go client key and settings.
- `Message`: every message received from Moment, stored before anything is enqueued; it
  waits there for its turn (`sync_worker.dispatch`) until its task is handed to the broker.
- `OutboxEntry`: any other task to enqueue (a PDF, an e-mail); written in the same
  transaction as what it is about.
- `EntityState`: per tenant, kind and Moment number: PowerOffice Go id, last version,
  content hash, step reached, status, last error, and the latest snapshot.
- `Attempt`: the audit log, one row per step tried.
- `Expense` and `ExpenseAttachment`: incoming expenses pulled from PowerOffice Go.
- `ErrorEmail`: error e-mails sent, so one error mails a tenant at most once an hour.
- `Reconciliation`: each reconciliation's report, what it fixed, and whether it was mailed.
- `ApiToken`: a producer's bearer token for the HTTP door, stored hashed.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Numeric(18, 2)

# A new tenant's e-mails are in bokmål, and a failure fixed in PowerOffice Go is re-checked
# for a week.
DEFAULT_EMAIL_LANGUAGE = "nb"
DEFAULT_RECHECK_DAYS = 7


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator):
    """A timestamp stored in UTC and read back time-zone aware, on PostgreSQL and SQLite
    alike (SQLite forgets the offset, and naive and aware times cannot be compared)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: every timestamp here carries its offset")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, Decimal: Money}


class SyncStatus(enum.StrEnum):
    PENDING = "pending"  # received, not yet transferred
    IN_PROGRESS = "in_progress"  # a worker is on it
    RETRYING = "retrying"  # a transient error; a retry is scheduled
    WAITING = "waiting"  # a credit note waiting for its invoice
    DONE = "done"  # every step completed
    FAILED = "failed"  # permanent error or retries used up; an e-mail went out


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"
    DONE = "done"
    STALE = "stale"  # older than the version already transferred
    FAILED = "failed"


class Lane(enum.StrEnum):
    """How a message waits for its turn among its own tenant's (`sync_worker.dispatch`):
    one entity saved or finalized goes ahead of the tenant's batches and re-transfers."""

    INTERACTIVE = "interactive"
    BULK = "bulk"


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    client_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    error_emails: Mapped[str] = mapped_column(Text, default="")
    invoice_delivery_type: Mapped[str] = mapped_column(String(32), default="Print")
    expense_import_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    expenses_billable_default: Mapped[bool] = mapped_column(Boolean, default=False)
    expense_account_threshold: Mapped[int] = mapped_column(Integer, default=4000)
    expense_lookback_days: Mapped[int] = mapped_column(Integer, default=2)
    import_interval_minutes: Mapped[int] = mapped_column(Integer, default=15)
    # Which expense-like voucher types to import, comma-separated; empty: all of them.
    expense_voucher_types: Mapped[str] = mapped_column(Text, default="")
    last_import_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # The daily reconciliation on beat, and whether it may fix what it can by itself (a
    # missing PDF, a customer or project edited by hand: Moment is the master).
    reconcile_daily: Mapped[bool] = mapped_column(Boolean, default=True)
    reconcile_fixes: Mapped[bool] = mapped_column(Boolean, default=True)
    last_reconciliation_slot: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # The language of the tenant's e-mails ("nb" bokmål, "en" English), and for how many
    # days a failure whose fix lies in PowerOffice Go is re-checked by itself (by beat,
    # every SYNC_RECHECK_INTERVAL_SECONDS).
    email_language: Mapped[str] = mapped_column(String(2), default=DEFAULT_EMAIL_LANGUAGE)
    recheck_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_RECHECK_DAYS)
    # When the dispatcher last gave one of the tenant's messages its turn: the tenant
    # waiting longest goes next (round robin over the tenants with work).
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def error_email_list(self) -> list[str]:
        return [a.strip() for a in self.error_emails.split(",") if a.strip()]


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # Moment's message_id
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    entity_number: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(BigInteger)
    trigger: Mapped[str] = mapped_column(String(8), default="auto")
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.QUEUED)
    processed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    # Until when a worker holds the message (received, running, or waiting to retry); a
    # lease run out means its worker is gone, and the sweep enqueues it again.
    lease_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # When its task was handed to the broker; None while it waits for its turn in the
    # dispatcher (`sync_worker.dispatch`): the stored message is its own outbox entry.
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    lane: Mapped[str] = mapped_column(String(16), default=Lane.INTERACTIVE)

    tenant: Mapped[Tenant] = relationship()

    __table_args__ = (
        Index("ix_messages_entity", "tenant_id", "kind", "entity_number"),
        Index("ix_messages_lease", "status", "lease_until"),
        # The dispatcher's queue: only the messages waiting for their turn.
        Index(
            "ix_messages_waiting",
            "tenant_id",
            "lane",
            "received_at",
            postgresql_where=text("dispatched_at IS NULL AND status = 'queued'"),
            sqlite_where=text("dispatched_at IS NULL AND status = 'queued'"),
        ),
    )


class OutboxEntry(Base):
    """A Celery task to send, stored with the data it concerns; a relay sends it after commit."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_name: Mapped[str] = mapped_column(String(100))
    args: Mapped[dict[str, Any]] = mapped_column(JSON)  # ids only, never payloads or secrets
    # What the task is about, for Flower and the logs: "acme invoice 10023" (argsrepr).
    label: Mapped[str | None] = mapped_column(String(200))
    queue: Mapped[str] = mapped_column(String(32), default="transfers")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_outbox_unsent", "sent_at", "id"),)


class EntityState(Base):
    __tablename__ = "entity_states"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[str] = mapped_column(String(64))
    pogo_id: Mapped[str | None] = mapped_column(String(64))
    pogo_ledger_id: Mapped[str | None] = mapped_column(String(64))  # customer's sub-ledger
    transferred_version: Mapped[int | None] = mapped_column(BigInteger)
    # When the data last sent was true in Moment: an invoice carrying an older copy of its
    # customer must not overwrite what a newer customer message already sent.
    source_occurred_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # The message whose copy was transferred last: the entity's own, or an invoice's that
    # carried it (a manual re-transfer sends the newer of that and the entity's own).
    source_message_id: Mapped[str | None] = mapped_column(String(36))
    content_hash: Mapped[str | None] = mapped_column(String(64))  # of what was transferred
    transferred_fields: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    step: Mapped[str | None] = mapped_column(String(32))  # last step completed
    status: Mapped[str] = mapped_column(String(16), default=SyncStatus.PENDING)
    last_error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expenses_billable: Mapped[bool | None] = mapped_column(Boolean)  # projects only
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    transferred_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # A failure whose fix lies in PowerOffice Go (an account, a VAT code, a closed period)
    # is re-checked by the system until then (`sync_worker.recheck`).
    recheck_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("tenant_id", "kind", "number", name="uq_entity_states_key"),)


class Attempt(Base):
    """The audit log: one row per step tried, with PowerOffice Go's answer."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    entity_state_id: Mapped[int | None] = mapped_column(
        ForeignKey("entity_states.id", ondelete="CASCADE")
    )
    message_id: Mapped[str | None] = mapped_column(String(36))
    task_id: Mapped[str | None] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))  # ok, skipped, warning, retry, failed
    error_type: Mapped[str | None] = mapped_column(String(64))  # the SyncError subclass
    http_status: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)  # what happened, in our words
    pogo_detail: Mapped[str | None] = mapped_column(Text)  # PowerOffice Go's own words
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (Index("ix_attempts_entity", "entity_state_id", "id"),)


class Expense(Base):
    __tablename__ = "expenses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(120))
    project_number: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    amount_incl_vat: Mapped[Decimal] = mapped_column(Money)
    currency_code: Mapped[str] = mapped_column(String(3), default="NOK")
    supplier_name: Mapped[str] = mapped_column(String(200), default="")
    invoice_date: Mapped[dt.date] = mapped_column(Date)
    account_code: Mapped[str] = mapped_column(String(16))
    billable: Mapped[bool] = mapped_column(Boolean)
    voucher_id: Mapped[str | None] = mapped_column(String(64))
    voucher_no: Mapped[int | None] = mapped_column(BigInteger)
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(36))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())

    tenant: Mapped[Tenant] = relationship()
    attachments: Mapped[list[ExpenseAttachment]] = relationship(
        back_populates="expense", cascade="all, delete-orphan", order_by="ExpenseAttachment.id"
    )

    __table_args__ = (UniqueConstraint("tenant_id", "source_id", name="uq_expenses_source"),)


class ExpenseAttachment(Base):
    __tablename__ = "expense_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expense_id: Mapped[int] = mapped_column(ForeignKey("expenses.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100), default="application/pdf")
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))

    expense: Mapped[Expense] = relationship(back_populates="attachments")


class ErrorEmail(Base):
    """One row per e-mail sent; the hourly limit per tenant, entity and error reads it."""

    __tablename__ = "error_emails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[str] = mapped_column(String(64))
    error_key: Mapped[str] = mapped_column(String(64))
    recipients: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime(), default=utcnow, server_default=func.now()
    )

    __table_args__ = (
        Index("ix_error_emails_dedupe", "tenant_id", "kind", "number", "error_key", "sent_at"),
    )


class ApiToken(Base):
    """A producer's bearer token for the HTTP door: one tenant's, stored as a SHA-256 hash."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())

    tenant: Mapped[Tenant] = relationship()


class Reconciliation(Base):
    """One reconciliation of a tenant's period: its report as shown (`Report.as_dict`)."""

    __tablename__ = "reconciliations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(8))  # "daily" (beat) or "manual"
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_to: Mapped[dt.date] = mapped_column(Date)
    finished_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    needs_person: Mapped[int] = mapped_column(Integer)  # findings only a person can settle
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    emailed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_reconciliations_latest", "tenant_id", "finished_at"),)
