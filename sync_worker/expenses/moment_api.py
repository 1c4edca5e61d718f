"""The Python API Moment's backend calls to take the imported expenses.

    from sync_worker.expenses import moment_api

    batch = moment_api.claim_expenses("acme", limit=100)
    for record in batch.records():          # the contract's record, attachments included
        save_expense_in_moment(record)       # keyed on record["source_id"]
    moment_api.acknowledge("acme", batch)    # or ids=[...] for the part that was saved

A claim hands out each unacknowledged expense to one caller at a time, with its
attachments, for a lease (10 minutes by default). What is acknowledged is never offered
again; what is not (Moment failed half-way, or crashed) is offered again once the lease
has run out, so nothing is lost. A lease can run out while Moment is still saving, so the
same expense may come twice: Moment recognises it by its `source_id` (stable, see
`selection`). Two claimers at once never get the same expense: PostgreSQL hands each
one different rows (`FOR UPDATE SKIP LOCKED`), and the claim itself is a conditional
UPDATE, so even without row locks (SQLite) an expense cannot be claimed twice.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import defer, selectinload

from sync_worker.db.models import Expense, ExpenseAttachment, utcnow
from sync_worker.db.session import session_scope
from sync_worker.norway import OSLO
from sync_worker.tenants import get_tenant

LEASE = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    sha256: str
    content: bytes | None = field(default=None, repr=False)  # None when listed without it

    @property
    def content_base64(self) -> str | None:
        return None if self.content is None else base64.b64encode(self.content).decode("ascii")

    def as_record(self) -> dict[str, Any]:
        record = {"filename": self.filename, "content_type": self.content_type}
        if self.content is not None:
            record["content_base64"] = self.content_base64
        return record


@dataclass(frozen=True)
class ExpenseRecord:
    """One stored expense, as Moment receives it (`as_record`) plus its delivery state."""

    id: int
    tenant: str
    source_id: str
    project_number: str
    description: str
    amount_incl_vat: Decimal  # NOK, including VAT
    supplier_name: str
    invoice_date: dt.date
    account_code: str
    billable: bool
    attachments: tuple[Attachment, ...]
    imported_at: dt.datetime
    claimed_at: dt.datetime | None
    acknowledged_at: dt.datetime | None

    @property
    def status(self) -> str:
        if self.acknowledged_at is not None:
            return "acknowledged"
        return "claimed" if self.claimed_at is not None else "new"

    def as_record(self) -> dict[str, Any]:
        """The contract's record (spec/messages.md), with `id` for `acknowledge(ids=…)`."""
        return {
            "id": self.id,
            "tenant": self.tenant,
            "source_id": self.source_id,
            "project_number": self.project_number,
            "description": self.description,
            "amount_incl_vat": f"{self.amount_incl_vat:.2f}",
            "supplier_name": self.supplier_name,
            "invoice_date": self.invoice_date.isoformat(),
            "account_code": self.account_code,
            "billable": self.billable,
            "attachments": [a.as_record() for a in self.attachments],
        }


@dataclass(frozen=True)
class Batch:
    """Claimed expenses; `token` acknowledges them all. Empty when nothing is waiting."""

    token: str | None
    tenant: str
    expenses: tuple[ExpenseRecord, ...]
    lease_expires_at: dt.datetime | None

    def __len__(self) -> int:
        return len(self.expenses)

    def records(self) -> list[dict[str, Any]]:
        """JSON-ready records, attachments with `content_base64`."""
        return [expense.as_record() for expense in self.expenses]


def claim_expenses(
    tenant: str, limit: int = 100, *, lease: dt.timedelta = LEASE, now: dt.datetime | None = None
) -> Batch:
    """Claim up to `limit` expenses not yet acknowledged and not under a live claim."""
    now = now or utcnow()
    token = str(uuid.uuid4())
    with session_scope() as session:
        tenant_id = get_tenant(session, tenant).id
        offered = _offered(tenant_id, now - lease)
        ids = list(
            session.scalars(
                select(Expense.id)
                .where(offered)
                .order_by(Expense.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return Batch(None, tenant, (), None)
        session.execute(
            update(Expense)
            .where(Expense.id.in_(ids), offered)
            .values(claim_token=token, claimed_at=now)
        )
        expenses = session.scalars(
            select(Expense)
            .where(Expense.claim_token == token)
            .options(selectinload(Expense.attachments))
            .order_by(Expense.id)
        )
        records = tuple(_record(expense, tenant) for expense in expenses)
    return Batch(token, tenant, records, now + lease)


def acknowledge(
    tenant: str, batch: Batch | str | None = None, *, ids: Iterable[int] | None = None
) -> int:
    """Mark as received in Moment: a whole batch (or its token), or the expenses `ids`.

    Returns how many were acknowledged now. A batch whose lease ran out and whose
    expenses were claimed again acknowledges only those still under its token.
    """
    if (batch is None) == (ids is None):
        raise ValueError("acknowledge takes a batch (or its token) or ids, not both")
    token = batch.token if isinstance(batch, Batch) else batch
    if ids is None and not token:  # an empty batch: `claim_token IS NULL` would be all
        return 0
    with session_scope() as session:
        tenant_id = get_tenant(session, tenant).id
        which = Expense.id.in_(list(ids)) if ids is not None else Expense.claim_token == token
        result = session.execute(
            update(Expense)
            .where(Expense.tenant_id == tenant_id, Expense.acknowledged_at.is_(None), which)
            .values(acknowledged_at=utcnow())
        )
        return result.rowcount


def list_expenses(tenant: str, *, since: dt.date | None = None) -> list[ExpenseRecord]:
    """The tenant's stored expenses imported on or after `since` (a Norwegian date),
    oldest first, attachments without their bytes."""
    query = (
        select(Expense)
        .options(selectinload(Expense.attachments).options(defer(ExpenseAttachment.content)))
        .order_by(Expense.id)
    )
    with session_scope() as session:
        tenant_id = get_tenant(session, tenant).id
        query = query.where(Expense.tenant_id == tenant_id)
        if since is not None:
            start = dt.datetime.combine(since, dt.time(0), tzinfo=OSLO)
            query = query.where(Expense.imported_at >= start)
        return [_record(expense, tenant, content=False) for expense in session.scalars(query)]


def _offered(tenant_id: int, lease_cutoff: dt.datetime) -> ColumnElement[bool]:
    """Not acknowledged, and never claimed or claimed before the cutoff (lease over)."""
    return and_(
        Expense.tenant_id == tenant_id,
        Expense.acknowledged_at.is_(None),
        or_(Expense.claimed_at.is_(None), Expense.claimed_at < lease_cutoff),
    )


def _record(expense: Expense, tenant: str, *, content: bool = True) -> ExpenseRecord:
    return ExpenseRecord(
        id=expense.id,
        tenant=tenant,
        source_id=expense.source_id,
        project_number=expense.project_number,
        description=expense.description,
        amount_incl_vat=expense.amount_incl_vat,
        supplier_name=expense.supplier_name,
        invoice_date=expense.invoice_date,
        account_code=expense.account_code,
        billable=expense.billable,
        attachments=tuple(
            Attachment(a.filename, a.content_type, a.sha256, a.content if content else None)
            for a in expense.attachments
        ),
        imported_at=expense.imported_at,
        claimed_at=expense.claimed_at,
        acknowledged_at=expense.acknowledged_at,
    )
