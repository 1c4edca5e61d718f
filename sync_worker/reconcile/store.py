"""Every reconciliation's report is stored (`Reconciliation`), for `sync-worker reconcile
--last`, the metrics, and the decision to e-mail.

A daily run mails the tenant's error address only when a person is needed for something
the previous daily run did not already report: a duplicate voucher left for a week is
mailed once, not seven times, and a new one is mailed the night it is found. The e-mail is
an outbox entry written with the stored report, so it is sent once the report is, and
never without it.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.tasks import SEND_RECONCILIATION_EMAIL
from sync_worker import outbox
from sync_worker.db.models import Reconciliation, Tenant, utcnow
from sync_worker.db.session import session_scope
from sync_worker.reconcile.report import Report
from sync_worker.tenants import get_tenant

MANUAL = "manual"  # asked for: `sync-worker reconcile`, the Python API
DAILY = "daily"  # beat's daily run; the only one that e-mails


def save(tenant_id: int, report: Report) -> Report:
    """Store the report (with the time it was finished) and, for a daily run that found
    something new for a person, queue its e-mail; the stored report back."""
    report = dataclasses.replace(report, finished_at=utcnow())
    entry_ids = []
    with session_scope() as session:
        previous = _latest(session, tenant_id, trigger=DAILY) if report.trigger == DAILY else None
        row = Reconciliation(
            tenant_id=tenant_id,
            trigger=report.trigger,
            date_from=report.date_from,
            date_to=report.date_to,
            finished_at=report.finished_at,
            ok=report.ok,
            needs_person=len(report.needs_person),
            report=report.as_dict(),
        )
        session.add(row)
        session.flush()
        if report.trigger == DAILY and news_for_a_person(previous, report):
            entry_ids.append(
                outbox.add(
                    session,
                    SEND_RECONCILIATION_EMAIL,
                    about=outbox.About(report.tenant),
                    reconciliation_id=row.id,
                ).id
            )
    outbox.send(entry_ids)
    return report


def news_for_a_person(previous: Report | None, report: Report) -> bool:
    """Whether `report` needs a person for something `previous` did not report."""
    seen = {(f.problem, f.number) for f in previous.needs_person} if previous else set()
    return any((f.problem, f.number) not in seen for f in report.needs_person)


def latest(tenant_code: str) -> Report | None:
    """The tenant's last stored reconciliation, daily or asked for; None before the first."""
    with session_scope() as session:
        return _latest(session, get_tenant(session, tenant_code).id)


def latest_of_every_tenant(session: Session) -> dict[str, Report]:
    """Tenant code → its last stored reconciliation (for the metrics)."""
    newest = (
        select(func.max(Reconciliation.id)).group_by(Reconciliation.tenant_id).scalar_subquery()
    )
    rows = session.execute(
        select(Tenant.code, Reconciliation.report)
        .join(Tenant, Tenant.id == Reconciliation.tenant_id)
        .where(Reconciliation.id.in_(newest))
    )
    return {code: Report.from_dict(stored) for code, stored in rows}


def _latest(session: Session, tenant_id: int, *, trigger: str | None = None) -> Report | None:
    query = select(Reconciliation.report).where(Reconciliation.tenant_id == tenant_id)
    if trigger:
        query = query.where(Reconciliation.trigger == trigger)
    stored = session.scalar(query.order_by(Reconciliation.id.desc()).limit(1))
    return Report.from_dict(stored) if stored else None
