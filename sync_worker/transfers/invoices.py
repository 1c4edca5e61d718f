"""Invoices and credit notes: one posted voucher each, then its PDF.

Steps; those that write are recorded before the next begins, so a re-run resumes there:

    rules → customer → project → voucher_requested → voucher_posted → attachment_uploaded

(The rules, the customer and the project are checked again on a re-run; they cost no API
call when nothing changed.)

A voucher is never posted twice: before a repeated POST the voucher is looked up by its
invoice number, and a POST that PowerOffice Go refuses as a repeat is answered by the same
look-up.

The PDF goes up in the same run, right after the voucher is recorded: it does not wait
behind every other voucher in the queue, and costs no task run of its own. The same
transaction that records the voucher stores the PDF's upload task in the outbox, unsent,
as the fallback, so the PDF is never forgotten: an upload that succeeds settles the task
unsent, in the transaction that records the invoice done; one that fails, for whatever
reason, sends it, to retry and be booked as a task of its own; a worker that dies in
between leaves it to the outbox relay.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from config.settings import get_settings
from config.tasks import UPLOAD_INVOICE_ATTACHMENT
from sync_worker import kinds, outbox
from sync_worker.db.models import EntityState, SyncStatus, utcnow
from sync_worker.db.session import session_scope
from sync_worker.errors import (
    AlreadyExists,
    ChangedAfterPosting,
    TransientError,
    WaitingForInvoice,
)
from sync_worker.failures import as_sync_error
from sync_worker.mapping.gross import Absorbed
from sync_worker.mapping.invoices import VoucherKind, gross_amounts, voucher_body
from sync_worker.mapping.references import external_import_reference
from sync_worker.mapping.rules import (
    InvoiceIds,
    check_invoice,
    credited_invoice_failed,
    number_used_by_another_voucher,
)
from sync_worker.schemas.entities import Invoice
from sync_worker.schemas.snapshots import content_hash
from sync_worker.transfers import messages
from sync_worker.transfers import state as states
from sync_worker.transfers.context import Transfer
from sync_worker.transfers.customers import sync_customer
from sync_worker.transfers.projects import sync_project
from sync_worker.transfers.steps import (
    ATTACHMENT_UPLOADED,
    POSTED_STEPS,
    VOUCHER_POSTED,
    VOUCHER_REQUESTED,
)


def transfer_voucher(run: Transfer, state: EntityState) -> bool:
    """Post the invoice or credit note of `run` as a voucher, then attach its PDF.

    Returns True once the PDF is attached; False while its upload task has it."""
    invoice: Invoice = run.envelope.data
    kind: VoucherKind = run.envelope.kind
    if state.step in POSTED_STEPS:
        _refuse_changes_after_posting(run, state, invoice)
    if state.step == VOUCHER_POSTED:  # a worker died before the PDF, or its upload failed
        return _attach_or_defer(run, state.id, state.pogo_id, _add_upload_task(run))
    if state.step == ATTACHMENT_UPLOADED:
        return True
    if state.step == VOUCHER_REQUESTED:
        fallback = _adopt_landed_voucher(run, state, invoice, kind)
        if fallback is not None:
            return _attach_adopted(run, state, invoice, fallback)
    run.step = "rules"
    ids = _check(run, invoice, kind)
    customer = sync_customer(
        run, invoice.customer, occurred_at=run.envelope.occurred_at, version=None
    )
    project = (
        sync_project(run, invoice.project, occurred_at=run.envelope.occurred_at, version=None)
        if invoice.project
        else None
    )
    gross = gross_amounts(invoice, ids.vat_rates)
    body = voucher_body(
        invoice,
        kind=kind,
        external_reference=external_import_reference(run.tenant.code, kind, str(invoice.number)),
        customer_ledger_id=int(customer.pogo_ledger_id),
        project_id=int(project.pogo_id) if project else None,
        department_id=ids.department_id,
        account_ids=ids.account_ids,
        vat_ids=ids.vat_ids,
        gross=gross,
    )
    with run.step_of(state.id, "voucher") as step:
        voucher_id, how = _find_or_post(run, state, invoice, kind, body)
        step["detail"] = f"voucher {voucher_id} {how}" + _where_the_ore_went(gross.absorbed)
        fallback = _record_posted(run, state.id, voucher_id, poster=run.message.id)
    return _attach_or_defer(run, state.id, voucher_id, fallback)


def _where_the_ore_went(absorbed: Sequence[Absorbed]) -> str:
    """For the history: which lines carry more than their own net + VAT, and why."""
    if not absorbed:
        return ""
    return "; øre placed so that the lines sum to the total with Moment's VAT: " + "; ".join(
        map(str, absorbed)
    )


def upload_attachment(run: Transfer, state: EntityState) -> bool:
    """Attach the invoice PDF to the posted voucher; re-uploading replaces it."""
    if state.step == ATTACHMENT_UPLOADED:
        return True
    if state.step != VOUCHER_POSTED or not state.pogo_id:
        raise TransientError(f"{run.envelope.kind} {state.number} has no posted voucher yet")
    _attach(run, state.id, state.pogo_id)
    return True


def _attach_or_defer(run: Transfer, state_id: int, voucher_id: str, fallback: int) -> bool:
    """Attach the PDF in this run, settling its upload task `fallback`; True when done.

    Whatever fails (PowerOffice Go, the PDF, our database), the task is sent after all and
    the upload is its: it retries, and books a failure, as a task of its own."""
    try:
        _attach(run, state_id, voucher_id, settles=fallback)
    except Exception as exc:
        reason = as_sync_error(exc, "the PDF upload")
        run.record(state_id, "attachment", "deferred", f"left to its own task: {reason}")
        outbox.send([fallback])
        return False
    return True


def _attach(run: Transfer, state_id: int, voucher_id: str, *, settles: int | None = None) -> None:
    """Upload the PDF to the voucher, then record the invoice done, with the upload task
    `settles` settled as needless in the same transaction; the history's "attachment"
    step says where the PDF went up."""
    attachment = run.envelope.data.attachment
    with run.step_of(state_id, "attachment") as step:
        run.client.voucher_documentation.upload(voucher_id, attachment.filename, attachment.content)
        step["detail"] = f"{attachment.filename} ({len(attachment.content)} bytes)"
    with session_scope() as session:
        state = session.get_one(EntityState, state_id)
        state.step = ATTACHMENT_UPLOADED
        state.status = SyncStatus.DONE
        state.last_error = None
        state.attempts = 0
        state.transferred_at = utcnow()
        if settles is not None:
            outbox.settle(session, settles)


def _check(run: Transfer, invoice: Invoice, kind: VoucherKind) -> InvoiceIds:
    """The export rules, before anything is written."""
    credited_known = _credited_invoice_known(run, invoice) if kind == kinds.CREDIT_NOTE else False
    return run.checked(
        lambda refresh: check_invoice(
            invoice, kind=kind, credited_invoice_known=credited_known, **_lookups(run, refresh)
        )
    )


def _lookups(run: Transfer, refresh: bool) -> dict[str, Any]:
    client = run.client
    return {
        "accounts": client.accounts.by_number(refresh=refresh),
        "vat_codes": client.vat_codes.by_code(refresh=refresh),
        "departments": client.departments.by_code(refresh=refresh),
        "lock_date": client.lock_date.get(refresh=refresh),
    }


def _credited_invoice_known(run: Transfer, credit_note: Invoice) -> bool:
    """True once the credited invoice is posted; waits while it may still be on its way."""
    number = credit_note.credited_invoice_number
    if number is None:
        return False
    with session_scope() as session:
        invoice = states.find_state(session, run.tenant.id, kinds.INVOICE, str(number))
        pending = messages.has_pending_message(session, run.tenant.id, kinds.INVOICE, str(number))
    if invoice is not None and invoice.step in POSTED_STEPS:
        return True
    if pending:  # e.g. the corrected invoice is on its way again
        raise WaitingForInvoice(f"waiting for invoice {number} to be posted first")
    if invoice is not None and invoice.status == SyncStatus.FAILED:
        raise credited_invoice_failed(credit_note.number, number)
    if invoice is not None:
        raise WaitingForInvoice(f"waiting for invoice {number} to be posted first")
    found = run.client.outgoing_invoices.find_by_invoice_no(number)
    if found is not None and not found.get("IsReversed"):
        return True
    # Moment finalizes the invoice first, but the two messages may still cross on the way.
    waited = (utcnow() - run.message.received_at).total_seconds()
    if waited < get_settings().credit_note_wait_seconds:
        raise WaitingForInvoice(f"invoice {number} has not arrived yet")
    return False


def _adopt_landed_voucher(
    run: Transfer, state: EntityState, invoice: Invoice, kind: VoucherKind
) -> int | None:
    """A POST was sent before and its answer is unknown: look for what landed first, so
    that nothing changed since (a closed period, a new customer name) can hide it.

    Returns the upload task of the PDF for what was adopted; None when nothing landed."""
    with run.step_of(state.id, "voucher") as step:
        voucher_id = _our_voucher(run, invoice, kind)
        if voucher_id is None:
            step["outcome"], step["detail"] = "skipped", "the earlier POST did not land"
            return None
        step["detail"] = f"voucher {voucher_id} found (posted by an earlier attempt)"
        return _record_posted(run, state.id, voucher_id, poster=_poster(run, state))


def _attach_adopted(run: Transfer, state: EntityState, invoice: Invoice, fallback: int) -> bool:
    """What landed is what was requested, maybe by an earlier version of the invoice: this
    message's PDF is attached now; an earlier version's by that message's own task."""
    adopted = states.read_state(run.tenant.id, state.kind, state.number)
    if _poster(run, adopted) == run.message.id:
        return _attach_or_defer(run, adopted.id, adopted.pogo_id, fallback)
    outbox.send([fallback])
    _refuse_changes_after_posting(run, adopted, invoice)
    return False


def _poster(run: Transfer, state: EntityState) -> str:
    """The message whose voucher was requested (this run's, when none was recorded): its
    PDF is the one that goes on the voucher."""
    return state.source_message_id or run.message.id


def _find_or_post(
    run: Transfer, state: EntityState, invoice: Invoice, kind: VoucherKind, body: dict[str, Any]
) -> tuple[str, str]:
    # What is requested is recorded with the request: a voucher that lands while its answer
    # is lost is adopted as this version's, never as a later one's.
    states.update_state(
        state.id,
        step=VOUCHER_REQUESTED,
        status=SyncStatus.IN_PROGRESS,
        content_hash=ledger_hash(invoice),
        source_message_id=run.message.id,
        transferred_version=run.envelope.version,
    )
    try:
        return str(run.client.outgoing_invoice_journals.create(body)["Id"]), "posted"
    except AlreadyExists:
        voucher_id = _our_voucher(run, invoice, kind)
        if voucher_id is None:
            # PowerOffice Go's read side lags its writes (about a second): look again later.
            raise TransientError(
                f"invoice number {invoice.number} is in use in PowerOffice Go but its voucher "
                "cannot be read yet"
            ) from None
        return voucher_id, "found (posted by an earlier attempt)"


def _our_voucher(run: Transfer, invoice: Invoice, kind: VoucherKind) -> str | None:
    """The live voucher this integration posted for the invoice number, if there is one.

    A voucher with the number that someone else posted (keyed in by hand after an error
    e-mail, say) is never adopted: the export is refused with what to do instead.
    """
    found = run.client.outgoing_invoices.find_by_invoice_no(invoice.number)
    if found is None or found.get("IsReversed"):
        return None
    # The row carries the voucher's ExternalImportReference: no second call for it.
    ours = external_import_reference(run.tenant.code, kind, str(invoice.number))
    if found.get("ExternalImportReference") != ours:
        voucher = found.get("VoucherNo") or found["Id"]
        raise number_used_by_another_voucher(kind, invoice.number, voucher)
    return str(found["Id"])


def ledger_hash(invoice: Invoice) -> str:
    """What a posted voucher holds of the invoice: everything but its PDF (a PDF rendered
    again is other bytes, not other books)."""
    return content_hash(dataclasses.replace(invoice, attachment=None))


def _refuse_changes_after_posting(run: Transfer, state: EntityState, invoice: Invoice) -> None:
    """A newer message for a voucher already posted: the same content is done; other
    content is a failure a person hears of, never silently "done"."""
    if run.message.id == state.source_message_id or state.content_hash in (
        None,
        ledger_hash(invoice),
    ):
        return
    label = kinds.get(run.envelope.kind).label
    raise ChangedAfterPosting(
        f"{label.capitalize()} {state.number} is already posted in PowerOffice Go as version "
        f"{state.transferred_version} (voucher {state.pogo_id}); version "
        f"{run.envelope.version} has other content (total {invoice.total_incl_vat}). "
        "PowerOffice Go keeps the posted voucher: credit it in Moment and issue a new invoice."
    )


def _record_posted(run: Transfer, state_id: int, voucher_id: str, *, poster: str) -> int:
    """Keep the voucher id and store the upload task for the PDF of the message that
    requested it (`poster`) in one transaction: neither can be lost. Returns the task's
    outbox entry. What was posted (its version, content, message) was recorded with the
    request."""
    with session_scope() as session:
        state = session.get_one(EntityState, state_id)
        state.pogo_id = voucher_id
        state.step = VOUCHER_POSTED
        state.attempts = 0  # the PDF upload gets retries of its own
        return _upload_task(session, run, poster)


def _add_upload_task(run: Transfer) -> int:
    with session_scope() as session:
        return _upload_task(session, run, run.message.id)


def _upload_task(session: Session, run: Transfer, message_id: str) -> int:
    """The PDF's upload task, stored unsent: the fallback, sent only when it is needed."""
    return outbox.add(
        session, UPLOAD_INVOICE_ATTACHMENT, about=_about(run), message_id=message_id
    ).id


def _about(run: Transfer) -> outbox.About:
    return outbox.About(run.tenant.code, run.message.kind, run.message.entity_number)
