"""The doctor's I/O: the tenant and what Moment sent it (the database), PowerOffice Go's
look-ups (its client), the test e-mail (SMTP); `checks` turns them into findings.

A correct setup costs, cold, 9 calls: the token, `GET /ClientIntegrationInformation`, one
each for accounts, departments, employees, the lock date and the customer number series,
and one `GET /AccountTransactions` per 100 projects when the expense import is on. VAT
codes are not read: a VAT code PowerOffice Go lacks is refused per invoice by the export
rules. By default the look-ups are read afresh, so that a setup mended a minute ago is
seen as mended, and written to the tenant's shared cache, where the next transfers find
them; `fresh=False` reads that cache instead (a warm run costs 1–2 calls).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import get_settings
from sync_worker import kinds
from sync_worker.db.models import EntityState, Message, MessageStatus, SyncStatus, Tenant
from sync_worker.db.session import session_scope
from sync_worker.doctor import checks
from sync_worker.doctor.checks import ExpenseSetup, Finding, MomentData
from sync_worker.doctor.report import Report
from sync_worker.errors import AuthenticationFailed, SyncError
from sync_worker.expenses.importer import count_new
from sync_worker.expenses.selection import voucher_types
from sync_worker.notifications import smtp
from sync_worker.notifications.compose import Email
from sync_worker.poweroffice import PowerOfficeClient
from sync_worker.schemas.entities import Customer, Invoice, Project
from sync_worker.schemas.messages import parse_message
from sync_worker.tenants import decrypt_client_key, get_tenant

T = TypeVar("T")
VOUCHER_KINDS = (kinds.INVOICE, kinds.CREDIT_NOTE)


def diagnose(
    tenant_code: str,
    *,
    send_test_email: bool = False,
    fresh: bool = True,
    client: PowerOfficeClient | None = None,
) -> Report:
    """Check the tenant's setup against its PowerOffice Go client; raises `UnknownTenant`."""
    with session_scope() as session:
        tenant = get_tenant(session, tenant_code)
        moment = moment_data(session, tenant.id)
        projects_known = len(_project_states(session, tenant.id))
    client = client or PowerOfficeClient(decrypt_client_key(tenant))
    calls_before = client.calls
    findings = check_key(client, expense_import=tenant.expense_import_enabled)
    if findings[0].status is not checks.Status.FAILED:
        findings += _setup_findings(client, tenant, moment, projects_known, fresh=fresh)
        findings.append(_error_email(tenant, send_test_email))
    return Report(tenant.code, tuple(findings), client.calls - calls_before)


def check_key(client: PowerOfficeClient, *, expense_import: bool) -> list[Finding]:
    """Check 1: a token for the key, and the integration's privileges (2 calls). The first
    finding is the key's; when it failed, it is the only one."""
    try:
        information = client.integration.get()
    except AuthenticationFailed as exc:
        return [checks.key_refused(str(exc))]
    except SyncError as exc:
        return [checks.could_not_check("client key", str(exc))]
    return [
        checks.key_works(information),
        *checks.privileges(information, expense_import=expense_import),
    ]


def check_client_key(client_key: str, *, expense_import: bool = False) -> list[Finding]:
    """Check 1 for a key not stored yet (`sync-worker tenant add`)."""
    return check_key(PowerOfficeClient(client_key), expense_import=expense_import)


def _setup_findings(
    client: PowerOfficeClient,
    tenant: Tenant,
    moment: MomentData,
    projects_known: int,
    *,
    fresh: bool,
) -> list[Finding]:
    """Checks 2–7 and 9, in that order; a look-up PowerOffice Go does not answer makes its
    checks one ✗ saying why, and the others go on."""
    findings: list[Finding] = []

    def read(check: str, load: Callable[[], T]) -> T | _Unread:
        try:
            return load()
        except SyncError as exc:
            findings.append(checks.could_not_check(check, str(exc)))
            return UNREAD

    accounts = read("accounts", lambda: client.accounts.by_number(refresh=fresh))
    if not isinstance(accounts, _Unread):
        findings += checks.accounts(moment.invoices, accounts)
        findings.append(checks.rounding_account(moment.invoices, accounts))
    lock_date = read("lock date", lambda: client.lock_date.get(refresh=fresh))
    if not isinstance(lock_date, _Unread):
        findings.append(checks.lock_date(lock_date, moment.waiting))
    series = read("delivery type", lambda: client.number_series.customer_numbers(refresh=fresh))
    findings += checks.delivery_type(
        tenant.invoice_delivery_type,
        moment.new_customers,
        [] if isinstance(series, _Unread) else series,
    )
    departments = read("departments", lambda: client.departments.by_code(refresh=fresh))
    if not isinstance(departments, _Unread):
        findings += checks.departments(moment.projects, moment.invoices, departments)
    employees = read("project owners", lambda: client.employees.list(refresh=fresh))
    if not isinstance(employees, _Unread):
        findings += checks.project_owners(moment.projects, employees)
    findings.append(checks.expense_import(_expense_setup(client, tenant, projects_known)))
    return findings


class _Unread:
    """A look-up PowerOffice Go did not answer (None is an answer: no lock date)."""


UNREAD = _Unread()


def _expense_setup(client: PowerOfficeClient, tenant: Tenant, projects_known: int) -> ExpenseSetup:
    new_expenses = None
    if tenant.expense_import_enabled and projects_known:
        try:
            new_expenses = count_new(tenant.id, client=client)
        except SyncError:
            new_expenses = None  # said as "not counted"; the privileges say why
    return ExpenseSetup(
        enabled=tenant.expense_import_enabled,
        billable_default=tenant.expenses_billable_default,
        voucher_types=voucher_types(tenant.expense_voucher_types),
        projects_known=projects_known,
        new_expenses=new_expenses,
    )


def _error_email(tenant: Tenant, send_test: bool) -> Finding:
    addresses = tenant.error_email_list
    if not (send_test and addresses):
        return checks.error_email(addresses, test=None, test_error=None)
    email = Email(
        subject=f"sync-worker: test e-mail for {tenant.code}",
        body=(
            f"This is a test from sync-worker's setup doctor for {tenant.name or tenant.code}. "
            "When a transfer to PowerOffice Go fails, its error e-mail comes to this address."
        ),
    )
    try:
        smtp.send(email, addresses, get_settings())
    except SyncError as exc:
        return checks.error_email(addresses, test=None, test_error=str(exc))
    return checks.error_email(addresses, test=email.subject, test_error=None)


# --- what Moment has sent ------------------------------------------------------------------


def moment_data(session: Session, tenant_id: int) -> MomentData:
    """The latest stored version of each entity, and which invoices still wait."""
    latest = _latest_messages(session, tenant_id)
    states = {(state.kind, state.number): state for state in _states(session, tenant_id)}
    invoices: list[Invoice] = []
    waiting: list[Invoice] = []
    customers: dict[str, Customer] = {}
    projects: dict[str, Project] = {}
    for (kind, number), message in latest.items():
        entity: Any = parse_message(message.payload).data
        if kind in VOUCHER_KINDS:
            invoices.append(entity)
            if _waits(message, states.get((kind, number))):
                waiting.append(entity)
            customers.setdefault(entity.customer.number, entity.customer)
            if entity.project is not None:
                projects.setdefault(entity.project.number, entity.project)
        elif kind == kinds.CUSTOMER:
            customers[number] = entity  # Moment's own message wins over an invoice's copy
        elif kind == kinds.PROJECT:
            projects[number] = entity
    in_pogo = {
        number
        for (kind, number), state in states.items()
        if kind == kinds.CUSTOMER and state.pogo_id is not None
    }
    return MomentData(
        invoices=tuple(invoices),
        waiting=tuple(waiting),
        new_customers=tuple(c for n, c in sorted(customers.items()) if n not in in_pogo),
        projects=tuple(p for _, p in sorted(projects.items())),
    )


def _latest_messages(session: Session, tenant_id: int) -> dict[tuple[str, str], Message]:
    rows = session.scalars(
        select(Message).where(Message.tenant_id == tenant_id).order_by(Message.version)
    )
    return {(row.kind, row.entity_number): row for row in rows}


def _states(session: Session, tenant_id: int) -> list[EntityState]:
    return list(session.scalars(select(EntityState).where(EntityState.tenant_id == tenant_id)))


def _project_states(session: Session, tenant_id: int) -> list[str]:
    return list(
        session.scalars(
            select(EntityState.number).where(
                EntityState.tenant_id == tenant_id, EntityState.kind == kinds.PROJECT
            )
        )
    )


def _waits(message: Message, state: EntityState | None) -> bool:
    """Not transferred yet: queued, or its entity not done (a failure is retried)."""
    if message.status == MessageStatus.QUEUED:
        return True
    return state is None or state.status != SyncStatus.DONE
