"""The daily reconciliation's e-mail: sent to the tenant's error address when the run found
something new that only a person can settle (`sync_worker.reconcile.store` decides).

It lists what needs a person first, each with its fix; then, for the record, what the
system fixed by itself and what is still on its way. A stored reconciliation is mailed at
most once (`Reconciliation.emailed_at`, set in the same transaction that sends).
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from config.settings import get_settings
from sync_worker.db.models import Reconciliation, Tenant, utcnow
from sync_worker.db.session import session_scope
from sync_worker.notifications import smtp
from sync_worker.notifications.compose import Email
from sync_worker.reconcile.report import Report

log = logging.getLogger(__name__)

SIGNATURE = "-- \nsync-worker, the Moment ↔ PowerOffice Go integration"


def compose_report(report: Report) -> Email:
    """The e-mail of a reconciliation report that needs a person; no I/O."""
    needs = report.needs_person
    subject = (
        f"[sync-worker] {report.tenant}: the reconciliation with PowerOffice Go found "
        f"{len(needs)} thing{'s' if len(needs) != 1 else ''} to look at"
    )
    sections = [
        f"Last night's reconciliation compared Moment's {report.vouchers} invoices and credit "
        f"notes dated {report.date_from} to {report.date_to}, their {report.customers} "
        f"customers and {report.projects} projects, with what PowerOffice Go holds.",
        _listed("Needs a person", needs, lambda f: f.fix),
    ]
    fixed = [finding for finding in report.findings if finding.fixed]
    if fixed:
        sections.append(_listed("Fixed by the integration", fixed, lambda f: f.fixed or ""))
    waiting = [f for f in report.findings if not f.fixed and not f.needs_person]
    if waiting:
        sections.append(_listed("Still on its way", waiting, lambda f: f.fix))
    sections.append(
        f"The whole report, at any time: sync-worker reconcile --tenant {report.tenant} --last"
    )
    sections.append(SIGNATURE)
    return Email(subject=subject, body="\n\n".join(sections) + "\n")


def send_for_reconciliation(reconciliation_id: int) -> str:
    """Mail a stored reconciliation to its tenant's error address; what was done, back."""
    settings = get_settings()
    with session_scope() as session:
        row = session.scalar(
            select(Reconciliation).where(Reconciliation.id == reconciliation_id).with_for_update()
        )
        if row is None:
            return f"no reconciliation {reconciliation_id}"
        if row.emailed_at is not None:
            return "already mailed"
        tenant = session.get_one(Tenant, row.tenant_id)
        recipients = tenant.error_email_list
        if not recipients:
            log.warning(
                "tenant %s has no error e-mail address; reconciliation not mailed", tenant.code
            )
            return "no error address"
        row.emailed_at = utcnow()
        smtp.send(compose_report(Report.from_dict(row.report)), recipients, settings)
    return f"mailed {', '.join(recipients)}"


def _listed(title: str, findings, advice) -> str:
    lines = [title, "-" * len(title)]
    for finding in findings:
        lines.append(f"* {finding.problem.value}, {finding.number}: {finding.what}")
        lines.append(f"  → {advice(finding)}")
    return "\n".join(lines)
