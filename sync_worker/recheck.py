"""The system's own re-check of failures whose fix lies in PowerOffice Go.

A transfer refused because PowerOffice Go lacks something (an account, a VAT code, a
department, an open period: `sync_worker.remedies`) goes through unchanged once someone
adds it there, and nobody thinks of telling Moment. So the runner books such a failure
with a re-check window (`book`: now + the tenant's `recheck_days`), and beat, every
SYNC_RECHECK_INTERVAL_SECONDS, re-drives the failed states still inside their window
(`run`) from the step that failed, as `operations.retry` does; the transfer refreshes
the look-ups its refusal rested on by itself, so the fix is seen at once.

The work is counted: at most `BATCH` states a run, and at most `PER_TENANT` of one tenant,
the ones re-checked longest ago first, so a tenant with a thousand such failures is
re-checked over several runs and leaves the shared PowerOffice Go budget to the others.
A re-check that fails costs the look-ups it refreshes (at most 4 calls: accounts, VAT
codes, departments, lock date), since the export rules refuse before any write: at most
400 calls a run, about 1 % of an hour's budget at 10 requests per second. Each re-check
queued is written to the history (step `recheck`), which is how the error e-mail knows a
failure as a re-check's and stays silent when the error is the one already mailed
(`sync_worker.notifications.error_emails`).
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync_worker import history, operations
from sync_worker.db.models import EntityState, SyncStatus, Tenant, utcnow
from sync_worker.db.session import session_scope
from sync_worker.errors import SyncError, TransientError
from sync_worker.remedies import Fix, fix_for

log = logging.getLogger(__name__)

RECHECK_STEP = "recheck"
BATCH = 100  # states re-driven by one run, at most
PER_TENANT = 20  # of them, at most from one tenant


def book(session: Session, state_id: int, error: SyncError, now: dt.datetime | None = None) -> None:
    """Give a failure whose fix lies in PowerOffice Go its re-check window, in the caller's
    transaction; any other failure none. A window still open is kept, so that failing
    re-checks do not stretch it; one run out starts afresh (a person tried again)."""
    state = session.get_one(EntityState, state_id)
    if isinstance(error, TransientError):
        return  # a passing fault during a re-check: the window stays as it was
    if fix_for(error) is not Fix.POWEROFFICE_GO:
        state.recheck_until = None
        return
    now = now or utcnow()
    if state.recheck_until is None or state.recheck_until <= now:
        days = session.get_one(Tenant, state.tenant_id).recheck_days
        state.recheck_until = now + dt.timedelta(days=days)


def due(
    session: Session,
    now: dt.datetime | None = None,
    *,
    limit: int = BATCH,
    per_tenant: int = PER_TENANT,
) -> list[EntityState]:
    """The failed states to re-check now: inside their window, at most `per_tenant` of a
    tenant and `limit` in all, each tenant's longest untouched first, tenants taking turns."""
    now = now or utcnow()
    ranked = (
        select(
            EntityState.id,
            func.row_number()
            .over(
                partition_by=EntityState.tenant_id,
                order_by=(EntityState.updated_at, EntityState.id),
            )
            .label("rank"),
        )
        .where(EntityState.status == SyncStatus.FAILED, EntityState.recheck_until > now)
        .subquery()
    )
    chosen = (
        select(ranked.c.id)
        .where(ranked.c.rank <= per_tenant)
        .order_by(ranked.c.rank, ranked.c.id)
        .limit(limit)
    )
    return list(
        session.scalars(
            select(EntityState).where(EntityState.id.in_(chosen)).order_by(EntityState.id)
        )
    )


def run(now: dt.datetime | None = None) -> int:
    """Re-drive the failures due for a re-check; how many were queued. The re-driven
    transfer refreshes the look-ups its refusal rested on by itself (`Transfer.checked`),
    so the fix made in PowerOffice Go is seen at once."""
    with session_scope() as session:
        due_now = [(state.id, state.tenant_id, state.recheck_until) for state in due(session, now)]
    if not due_now:
        return 0
    results = operations.retry([state_id for state_id, _, _ in due_now])
    with session_scope() as session:
        for (state_id, tenant_id, until), result in zip(due_now, results, strict=True):
            if result.queued:
                history.record(
                    session,
                    tenant_id=tenant_id,
                    state_id=state_id,
                    step=RECHECK_STEP,
                    outcome="queued",
                    detail=f"re-checked by the system until {until:%Y-%m-%d %H:%M} UTC",
                )
    queued = sum(result.queued for result in results)
    tenants = len({tenant_id for _, tenant_id, _ in due_now})
    log.info("re-checking %d failure(s) of %d tenant(s)", queued, tenants)
    return queued
