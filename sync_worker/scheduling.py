"""Spreading each tenant's scheduled work (expense imports, reconciliations) over a span:
a stable offset per tenant, so 200 tenants do not all ask PowerOffice Go at once, and each
keeps its place across restarts and whatever the beat's own timing."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import or_, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from sync_worker.db.models import Tenant
from sync_worker.db.session import session_scope


def spread_offset(key: str, span: dt.timedelta) -> dt.timedelta:
    """Where within `span` the work named `key` falls; the same on every host and run."""
    digest = hashlib.sha256(key.encode()).digest()
    span_ms = max(1, int(span.total_seconds() * 1000))
    return dt.timedelta(milliseconds=int.from_bytes(digest[:8], "big") % span_ms)


def as_utc(moment: dt.datetime) -> dt.datetime:
    # SQLite (the demo) gives timestamps back without their zone; they are stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def take_slot(
    session: Session, tenant_id: int, column: InstrumentedAttribute, slot: dt.datetime
) -> bool:
    """Mark the tenant's `slot` as scheduled in `column` (a conditional UPDATE); False when
    another beat, or an earlier tick, took it first."""
    result = session.execute(
        update(Tenant)
        .where(Tenant.id == tenant_id, or_(column.is_(None), column < slot))
        # updated_at tells when an operator changed a setting; scheduling is not that.
        .values({column: slot, Tenant.updated_at: Tenant.updated_at})
    )
    return result.rowcount == 1


def free_slot(tenant_id: int, column: InstrumentedAttribute, slot: dt.datetime) -> None:
    """Give the slot back (its task could not be sent), so the next tick tries again."""
    with session_scope() as session:
        session.execute(
            update(Tenant)
            .where(Tenant.id == tenant_id, column == slot)
            .values({column: None, Tenant.updated_at: Tenant.updated_at})
        )
