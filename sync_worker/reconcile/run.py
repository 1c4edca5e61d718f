"""The reconciliation's I/O: what Moment finalized in the period and what was transferred
(the database), and what PowerOffice Go holds (its client); `compare` turns them into
findings.

A period costs 2 calls plus one per 100 customers and one per 100 projects on its
invoices: the token, `GET /OutgoingInvoices?fromDate=…&toDate=…` (every page of 5000),
`GET /Customers?customerNos=…` and `GET /Projects?projectCodes=…`. The invoice list is
read whole, not with `onlyCreatedByCurrentIntegration=true`, because a voucher keyed in by
hand with one of Moment's numbers is a finding too; its `IsCreatedByCurrentIntegration`
tells the two apart.
`GET /VoucherDocumentation` takes one voucher a call (`id`, or a single `voucherNo`), and
the list rows do not say whether a voucher has its PDF, so PowerOffice Go is asked only
about the vouchers whose upload is not recorded here: one call each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_worker import kinds
from sync_worker.db.models import EntityState, Message
from sync_worker.db.session import session_scope
from sync_worker.poweroffice import PowerOfficeClient
from sync_worker.reconcile import compare, fixes, store
from sync_worker.reconcile.compare import Finding, MomentVoucher, Problem
from sync_worker.reconcile.report import Report
from sync_worker.reconcile.store import MANUAL
from sync_worker.schemas.entities import Invoice
from sync_worker.schemas.messages import parse_message
from sync_worker.tenants import decrypt_client_key, get_tenant

VOUCHER_KINDS = (kinds.INVOICE, kinds.CREDIT_NOTE)


def reconcile(
    tenant_code: str,
    date_from: dt.date,
    date_to: dt.date,
    *,
    fix: bool | None = None,
    trigger: str = MANUAL,
    client: PowerOfficeClient | None = None,
) -> Report:
    """Compare the tenant's invoices and credit notes dated in the period, and their
    customers and projects, with PowerOffice Go; fix what the system can (`fix`, the
    tenant's setting unless told), and store the report. Raises `UnknownTenant`, and a
    `SyncError` when PowerOffice Go does not answer (nothing is stored then)."""
    with session_scope() as session:
        tenant = get_tenant(session, tenant_code)
        moment, known = moment_vouchers(session, tenant.id, date_from, date_to)
        customers = transferred_fields(
            session, tenant.id, kinds.CUSTOMER, {v.customer_number for v in moment}
        )
        projects = transferred_fields(
            session, tenant.id, kinds.PROJECT, {v.project_number for v in moment} - {None}
        )
    client = client or PowerOfficeClient(decrypt_client_key(tenant), background=True)
    calls_before = client.calls
    rows = client.outgoing_invoices.list(fromDate=date_from, toDate=date_to)
    findings = compare.vouchers(tenant.code, moment, rows, known)
    documentation = {
        number: client.voucher_documentation.list(voucher_id)
        for number, voucher_id in compare.pdfs_to_ask(moment, rows).items()
    }
    findings += compare.missing_pdfs(moment, documentation)
    customer_rows = client.customers.by_numbers(map(int, customers)) if customers else []
    findings += compare.customers(tenant.code, customers, customer_rows)
    project_rows = client.projects.by_codes(projects) if projects else []
    findings += compare.projects(tenant.code, projects, project_rows)
    if tenant.reconcile_fixes if fix is None else fix:
        findings = fixes.apply(tenant.code, findings)
    report = Report(
        tenant=tenant.code,
        date_from=date_from,
        date_to=date_to,
        vouchers=len(moment),
        customers=len(customers),
        projects=len(projects),
        findings=tuple(sorted(findings, key=_in_report_order)),
        calls=client.calls - calls_before,
        trigger=trigger,
    )
    return store.save(tenant.id, report)


def moment_vouchers(
    session: Session, tenant_id: int, date_from: dt.date, date_to: dt.date
) -> tuple[list[MomentVoucher], set[str]]:
    """The newest stored version of each invoice and credit note dated in the period, and
    every voucher number Moment ever sent the tenant. Only the chosen messages are read
    whole: a stored message carries its PDF."""
    dated = session.execute(
        select(
            Message.id,
            Message.entity_number,
            Message.payload[("data", "invoice_date")].as_string(),
        )
        .where(Message.tenant_id == tenant_id, Message.kind.in_(VOUCHER_KINDS))
        .order_by(Message.version, Message.received_at)
    )
    newest = {number: (message_id, date) for message_id, number, date in dated}
    chosen = [
        message_id
        for message_id, date in newest.values()
        if date_from <= dt.date.fromisoformat(date) <= date_to
    ]
    messages = session.scalars(select(Message).where(Message.id.in_(chosen))).all()
    states = _states(session, tenant_id, VOUCHER_KINDS, [m.entity_number for m in messages])
    vouchers = [_moment_voucher(message, states.get(message.entity_number)) for message in messages]
    return sorted(vouchers, key=lambda v: _numeric(v.number)), set(newest)


def transferred_fields(
    session: Session, tenant_id: int, kind: str, numbers: Collection[str]
) -> dict[str, dict]:
    """Customer or project number → the fields last transferred, for those transferred."""
    states = _states(session, tenant_id, (kind,), numbers)
    return {
        number: state.transferred_fields
        for number, state in states.items()
        if state.pogo_id and state.transferred_fields
    }


def _states(
    session: Session, tenant_id: int, of_kinds: Collection[str], numbers: Collection[str]
) -> dict[str, EntityState]:
    if not numbers:
        return {}
    rows = session.scalars(
        select(EntityState).where(
            EntityState.tenant_id == tenant_id,
            EntityState.kind.in_(of_kinds),
            EntityState.number.in_(numbers),
        )
    )
    return {state.number: state for state in rows}


def _moment_voucher(message: Message, state: EntityState | None) -> MomentVoucher:
    invoice: Invoice = parse_message(message.payload).data
    return MomentVoucher(
        kind=message.kind,
        number=message.entity_number,
        invoice_date=invoice.invoice_date,
        total=invoice.total_incl_vat,
        customer_number=str(invoice.customer.number),
        project_number=str(invoice.project.number) if invoice.project else None,
        state_id=state.id if state else None,
        status=state.status if state else None,
        step=state.step if state else None,
        voucher_id=state.pogo_id if state else None,
    )


def _in_report_order(finding: Finding) -> tuple[int, tuple[int, str], int]:
    """Invoices by number, then customers, then projects (their number series overlap)."""
    problems = list(Problem)
    series = {Problem.CUSTOMER: 1, Problem.PROJECT: 2}.get(finding.problem, 0)
    return series, _numeric(finding.number), problems.index(finding.problem)


def _numeric(number: str) -> tuple[int, str]:
    return (int(number), "") if number.isdigit() else (0, number)
