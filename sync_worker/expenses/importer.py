"""One expense import for one tenant: read PowerOffice Go, store what is new, nothing else.

Calls, in order (each one costs the platform's shared rate limit, so none is repeated):
1. `GET /AccountTransactions` for the window, accounts above the threshold, the tenant's
   project numbers (in chunks, so the query string stays short) and its expense-like
   voucher types;
2. `GET /IncomingInvoices?voucherNos=` once (per 100 vouchers) for the supplier invoices
   among the vouchers with new expenses: their `SupplierNo`. The ledger names the
   supplier only on a voucher's supplier sub-ledger line, which has no project, so the
   project filter of call 1 never brings it. Skipped when no such voucher is new;
3. `GET /Suppliers?supplierNos=` once (per 100 suppliers), for their names;
4. `GET /VoucherDocumentation/Download?documentationType=Pdf` once per voucher with new
   expenses: its PDFs (a zip). When that holds none (404 or an empty answer), one more
   with `documentationType=Images`: the pages of a scanned or EHF voucher, made into one
   PDF. Neither means no attachment. Asking `GET /VoucherDocumentation` first would cost
   a call for every voucher (it takes one voucher at a time) to save one only for those
   with no documentation at all.

Expenses already stored are recognised by their source id before anything is downloaded
and are never updated, even when PowerOffice Go has changed them since: Moment may have
put them on an invoice. Each voucher's expenses are written with their attachments in
one transaction, with INSERT … ON CONFLICT DO NOTHING, so two imports running at once
(or a re-run after a crash half-way) end with exactly the rows one import gives.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sync_worker import kinds
from sync_worker.db.models import EntityState, Expense, ExpenseAttachment, Tenant
from sync_worker.db.session import session_scope
from sync_worker.errors import EntityBusy, ImportRunning, NotFound
from sync_worker.expenses.pages import pages_to_pdf
from sync_worker.expenses.selection import (
    CURRENCY,
    SUPPLIER_VOUCHER_TYPES,
    Candidate,
    Window,
    account_filter,
    import_window,
    select_expenses,
    voucher_types,
)
from sync_worker.locks import advisory_lock
from sync_worker.norway import ore
from sync_worker.poweroffice import PowerOfficeClient
from sync_worker.poweroffice.resources.voucher_documentation import unpack_images, unpack_pdfs
from sync_worker.tenants import decrypt_client_key

log = logging.getLogger(__name__)

SOURCE_IDS_PER_QUERY = 1000
LOCK_WAIT_SECONDS = 1.0  # a held lock means an import is running: do not queue behind it
SUPPLIER_NAME_LENGTH = Expense.__table__.c.supplier_name.type.length  # what the column holds

# (vouchers done, vouchers to do): the CLI draws its progress bar from it.
Progress = Callable[[int, int], None]
Attachments = list[tuple[str, bytes]]


@dataclass
class ImportSummary:
    """What one import found and did."""

    tenant: str
    window: Window
    found: int = 0  # transactions PowerOffice Go returned
    new: int = 0
    already_there: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    attachments: int = 0  # stored with the new expenses
    api_calls: int = 0

    def __str__(self) -> str:
        skipped = sum(self.skipped.values())
        reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(self.skipped.items()))
        return (
            f"{self.tenant}: found {self.found} transactions posted {self.window}: "
            f"{self.new} new, {self.already_there} already there, {skipped} skipped"
            + (f" ({reasons})" if reasons else "")
            + f"; {self.attachments} attachments; {self.api_calls} calls to PowerOffice Go"
        )


@contextmanager
def import_lock(tenant_id: int) -> Iterator[None]:
    """Held for a whole import; `ImportRunning` when another import of the tenant has it.

    It is what makes a second beat, a late retry or an operator's run harmless: the
    inserts would already be, but two imports would still spend the rate limit twice.
    """
    with ExitStack() as stack:
        try:
            stack.enter_context(
                advisory_lock("expenses", tenant_id, "import", wait_seconds=LOCK_WAIT_SECONDS)
            )
        except EntityBusy:
            raise ImportRunning("another expense import of this tenant is running") from None
        yield


def import_for_tenant(
    tenant_id: int,
    *,
    lookback_days: int | None = None,
    now: dt.datetime | None = None,
    client: PowerOfficeClient | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import the tenant's new expenses; `lookback_days` overrides the tenant's setting,
    `now` (tests) the moment whose Norwegian date is "today".

    Takes no lock (see `import_lock`); raises the errors of `sync_worker.errors`.
    """
    tenant, projects = _tenant_and_projects(tenant_id)
    days = tenant.expense_lookback_days if lookback_days is None else lookback_days
    summary = ImportSummary(tenant.code, import_window(days, now))
    if not projects:  # nothing can match: spend no request
        return summary
    # A background client: imports only use the rate budget the transfers leave unused.
    client = client or PowerOfficeClient(decrypt_client_key(tenant), background=True)
    calls_before = client.calls
    try:
        candidates = _candidates(client, tenant, projects, summary)
        todo = _not_stored(tenant.id, candidates)
        summary.already_there = len(candidates) - len(todo)
        _store_new(client, tenant.id, todo, summary, progress)
    finally:
        summary.api_calls = client.calls - calls_before
    log.info("expense import %s", summary)
    return summary


def count_new(tenant_id: int, *, client: PowerOfficeClient) -> int:
    """How many expenses the next import would store, by the same selection, storing and
    downloading nothing: one `GET /AccountTransactions` per 100 projects (the doctor's)."""
    tenant, projects = _tenant_and_projects(tenant_id)
    if not projects:
        return 0
    summary = ImportSummary(tenant.code, import_window(tenant.expense_lookback_days))
    return len(_not_stored(tenant.id, _candidates(client, tenant, projects, summary)))


def _tenant_and_projects(tenant_id: int) -> tuple[Tenant, dict[str, bool | None]]:
    """The tenant, and its projects known from Moment: number → billable override."""
    with session_scope() as session:
        tenant = session.get_one(Tenant, tenant_id)
        rows = session.execute(
            select(EntityState.number, EntityState.expenses_billable).where(
                EntityState.tenant_id == tenant_id, EntityState.kind == kinds.PROJECT
            )
        )
        return tenant, {number: billable for number, billable in rows}


def _candidates(
    client: PowerOfficeClient,
    tenant: Tenant,
    projects: dict[str, bool | None],
    summary: ImportSummary,
) -> list[Candidate]:
    """The window's transactions, sorted into expenses (returned) and skips (counted)."""
    threshold = tenant.expense_account_threshold
    types = voucher_types(tenant.expense_voucher_types)
    rows = _transactions(client, summary.window, threshold, sorted(projects), types)
    selection = select_expenses(
        rows,
        projects=projects,
        threshold=threshold,
        window=summary.window,
        billable_default=tenant.expenses_billable_default,
        voucher_types=types,
    )
    summary.found, summary.skipped = len(rows), selection.skipped
    return selection.candidates


def _transactions(
    client: PowerOfficeClient,
    window: Window,
    threshold: int,
    codes: list[str],
    types: tuple[str, ...],
) -> list[dict]:
    return client.account_transactions.list(
        window.from_date,
        window.to_date,
        account_nos=account_filter(threshold),
        project_codes=codes,
        voucher_types=list(types),
    )


def _not_stored(tenant_id: int, candidates: list[Candidate]) -> list[Candidate]:
    """The candidates whose source id is not stored yet: only these cost downloads."""
    ids = [c.source_id for c in candidates]
    stored: set[str] = set()
    with session_scope() as session:
        for start in range(0, len(ids), SOURCE_IDS_PER_QUERY):
            stored.update(
                session.scalars(
                    select(Expense.source_id).where(
                        Expense.tenant_id == tenant_id,
                        Expense.source_id.in_(ids[start : start + SOURCE_IDS_PER_QUERY]),
                    )
                )
            )
    return [c for c in candidates if c.source_id not in stored]


def _store_new(
    client: PowerOfficeClient,
    tenant_id: int,
    todo: list[Candidate],
    summary: ImportSummary,
    progress: Progress | None,
) -> None:
    if not todo:
        return
    names = _supplier_names(client, todo)
    vouchers = [
        list(lines)
        for _, lines in groupby(
            sorted(todo, key=lambda c: (c.voucher_id, c.source_id)), key=lambda c: c.voucher_id
        )
    ]
    for done, lines in enumerate(vouchers, start=1):
        documents = _documents(client, lines[0])
        with session_scope() as session:
            for candidate in lines:
                if _insert(session, tenant_id, candidate, names, documents):
                    summary.new += 1
                    summary.attachments += len(documents)
                else:  # another import stored it since we looked
                    summary.already_there += 1
        if progress is not None:
            progress(done, len(vouchers))


def _supplier_names(client: PowerOfficeClient, todo: list[Candidate]) -> dict[str, str]:
    """Voucher id → its supplier's name, for the supplier invoices among `todo`. Journals
    and employees' expenses have no supplier: their expenses keep an empty name."""
    voucher_nos = {
        c.voucher_no
        for c in todo
        if c.voucher_type in SUPPLIER_VOUCHER_TYPES and c.voucher_no is not None
    }
    if not voucher_nos:
        return {}
    supplier_of = {
        str(row["Id"]).lower(): int(row["SupplierNo"])
        for row in client.incoming_invoices.by_voucher_nos(voucher_nos)
        if row.get("SupplierNo") is not None
    }
    if not supplier_of:
        return {}
    found = client.suppliers.by_numbers(set(supplier_of.values()))
    return {
        voucher_id: str(found.get(number, {}).get("Name") or "")
        for voucher_id, number in supplier_of.items()
    }


def _documents(client: PowerOfficeClient, candidate: Candidate) -> Attachments:
    """The voucher's PDFs, else its page images as one PDF; without either, none."""
    pdfs = unpack_pdfs(_download(client, candidate.voucher_id, "Pdf"))
    if pdfs:
        return pdfs
    pages = unpack_images(_download(client, candidate.voucher_id, "Images"))
    if not pages:
        return []
    name = f"bilag-{candidate.voucher_no or candidate.voucher_id}.pdf"
    return [(name, pages_to_pdf(pages))]


def _download(client: PowerOfficeClient, voucher_id: str, documentation_type: str) -> bytes:
    try:
        return client.voucher_documentation.download(voucher_id, documentation_type)
    except NotFound:
        return b""


def _insert(
    session: Session,
    tenant_id: int,
    candidate: Candidate,
    names: dict[str, str],
    documents: Attachments,
) -> bool:
    """Store one expense with its attachments; False when its source id is already there."""
    values = {
        "tenant_id": tenant_id,
        "source_id": candidate.source_id,
        "project_number": candidate.project_number,
        "description": candidate.description,
        "amount_incl_vat": ore(candidate.amount_incl_vat),
        "currency_code": CURRENCY,
        "supplier_name": names.get(candidate.voucher_id, "")[:SUPPLIER_NAME_LENGTH],
        "invoice_date": candidate.invoice_date,
        "account_code": candidate.account_code,
        "billable": candidate.billable,
        "voucher_id": candidate.voucher_id,
        "voucher_no": candidate.voucher_no,
    }
    expense_id = session.scalar(_insert_new(session, values).returning(Expense.id))
    if expense_id is None:
        return False
    if documents:
        session.execute(insert(ExpenseAttachment), _attachment_rows(expense_id, documents))
    return True


def _insert_new(session: Session, values: dict):
    """INSERT … ON CONFLICT (tenant_id, source_id) DO NOTHING, on PostgreSQL or SQLite."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return (
        dialect.insert(Expense)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["tenant_id", "source_id"])
    )


def _attachment_rows(expense_id: int, documents: Sequence[tuple[str, bytes]]) -> list[dict]:
    return [
        {
            "expense_id": expense_id,
            "filename": filename,
            "content_type": "application/pdf",
            "content": content,
            "sha256": hashlib.sha256(content).hexdigest(),
        }
        for filename, content in documents
    ]
