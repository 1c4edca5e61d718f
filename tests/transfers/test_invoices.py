"""Invoices and credit notes: rules, customer, project, one voucher, then its PDF in the same
run; a voucher is never posted twice, and every step is recorded before the next begins.
(The PDF's fallback to a task of its own: test_attachment_inline.py.)"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from config.settings import reset_settings_cache
from config.tasks import UPLOAD_INVOICE_ATTACHMENT
from sync_worker.db.models import Message, MessageStatus, OutboxEntry, SyncStatus
from sync_worker.db.session import session_scope
from sync_worker.errors import (
    AlreadyExists,
    ChangedAfterPosting,
    ExportRefused,
    TransientError,
    WaitingForInvoice,
)
from sync_worker.mapping.references import external_import_reference
from sync_worker.transfers import invoices, steps
from sync_worker.transfers import state as states
from sync_worker.transfers.context import Transfer
from sync_worker.transfers.invoices import transfer_voucher, upload_attachment
from tests.transfers.fakes import (
    ACCOUNTS,
    FIND_VOUCHER,
    LOST_ANSWER,
    POST_VOUCHER,
    FakePowerOffice,
    history,
    state_of,
    stored,
    transfer_for,
)

PUT_PDF = "PUT /VoucherDocumentation"
LOOK_UPS = [
    "GET /GeneralLedgerAccounts",
    "GET /VatCodes",
    "GET /Departments",
    "GET /LockDateSettings",
]


def line(amount: str, *, vat_code: str | None = "3", account: str = "3000") -> dict:
    return {
        "description": "Rådgivning",
        "account_code": account,
        "vat_code": vat_code,
        "quantity": "1",
        "unit_price": amount,
        "discount_percent": "0",
        "amount": amount,
    }


def invoice_data(moment, **fields) -> dict:
    customer = moment.customer()
    return moment.invoice(customer, moment.project(customer, department_code="20")) | fields


def run_for(moment, pogo: FakePowerOffice, data: dict, type_="invoice.finalized") -> Transfer:
    return transfer_for(stored(moment.message(type_, data)), pogo)


def post(run: Transfer) -> bool:
    return transfer_voucher(run, state_of(run))


def posted_only(run: Transfer) -> bool:
    """Post the voucher with its PDF upload failing: the invoice stays at VOUCHER_POSTED."""
    run.client.answer(PUT_PDF, TransientError("PUT /VoucherDocumentation: 503"))
    return post(run)


def upload_task_entries(message_id: str) -> list[OutboxEntry]:
    with session_scope() as session:
        entries = session.scalars(
            select(OutboxEntry).where(OutboxEntry.task_name == UPLOAD_INVOICE_ATTACHMENT.name)
        )
        return [entry for entry in entries if entry.args == {"message_id": message_id}]


def voucher_requested_after_a_lost_post(moment, pogo: FakePowerOffice, lost) -> Transfer:
    """A run whose POST went out and got no answer: `lost` is LOST_ANSWER (it landed) or an
    error (it did not)."""
    run = run_for(moment, pogo, invoice_data(moment))
    pogo.answer(POST_VOUCHER, lost)
    with pytest.raises(TransientError):
        post(run)
    assert state_of(run).step == steps.VOUCHER_REQUESTED
    pogo.forget_calls()
    return run


# --- the steps, in order ---------------------------------------------------------------------


def test_an_invoice_goes_customer_project_voucher_then_pdf(moment, pogo):
    run = run_for(moment, pogo, invoice_data(moment))

    assert post(run) is True  # complete: the PDF went up in the same run
    assert pogo.calls == [
        "GET /Customers",
        "POST /Customers",
        "GET /Projects",
        "POST /Projects",
        POST_VOUCHER,
        PUT_PDF,
    ]
    assert [(a.step, a.outcome) for a in history(run)] == [("voucher", "ok"), ("attachment", "ok")]
    state = state_of(run)
    assert (state.step, state.status) == (steps.ATTACHMENT_UPLOADED, SyncStatus.DONE)


def test_each_step_is_recorded_before_the_next_begins(moment, pogo):
    run = run_for(moment, pogo, invoice_data(moment))
    data = run.envelope.data
    seen = {}

    def project_post() -> dict:
        seen["customer"] = state_of(run, "customer", data.customer.number).status
        return pogo.projects.add(Code=data.project.number)

    def voucher_post() -> dict:
        seen["project"] = state_of(run, "project", data.project.number).status
        seen["invoice"] = state_of(run).step
        return {"Id": "voucher-1"}

    pogo.answer("POST /Projects", project_post)
    pogo.answer(POST_VOUCHER, voucher_post)
    post(run)

    assert seen == {
        "customer": SyncStatus.DONE,
        "project": SyncStatus.DONE,
        "invoice": steps.VOUCHER_REQUESTED,
    }
    assert state_of(run).pogo_id == "voucher-1"


def test_the_voucher_has_gross_lines_that_sum_to_the_total(moment, pogo):
    run = run_for(moment, pogo, invoice_data(moment))
    post(run)

    [body] = pogo.bodies(POST_VOUCHER)
    total = run.envelope.data.total_incl_vat
    assert body["CurrencyAmount"] == total
    assert sum(line["CurrencyAmount"] for line in body["OutgoingInvoiceLines"]) == total
    customer = state_of(run, "customer", run.envelope.data.customer.number)
    assert body["CustomerAccountId"] == int(customer.pogo_ledger_id)
    assert body["ExternalImportReference"] == f"moment:acme:invoice:{run.envelope.data.number}"


def test_the_history_names_the_line_that_absorbed_an_ore(moment, pogo):
    # 3 × 10.02 at 25 %: VAT per line 3 × 2.51 = 7.53, on the total 7.52.
    data = invoice_data(moment, lines=[line("10.02")] * 3, total_incl_vat="37.58")
    run = run_for(moment, pogo, data)
    post(run)

    [body] = pogo.bodies(POST_VOUCHER)
    amounts = [line["CurrencyAmount"] for line in body["OutgoingInvoiceLines"]]
    assert amounts == [Decimal("12.52"), Decimal("12.53"), Decimal("12.53")]
    voucher, _attachment = history(run)
    assert voucher.detail.endswith("with Moment's VAT: line 1: VAT -0.01")


# --- never twice -----------------------------------------------------------------------------


def test_a_rerun_adopts_the_voucher_that_landed_with_one_look_up(moment, pogo):
    run = voucher_requested_after_a_lost_post(moment, pogo, LOST_ANSWER)
    [landed] = pogo.outgoing_invoices.rows

    assert post(run) is True  # its own voucher: the PDF goes up with it

    assert pogo.calls == [FIND_VOUCHER, PUT_PDF]  # the row carries the reference: no journal GET
    assert state_of(run).pogo_id == landed
    assert history(run)[-2].detail == f"voucher {landed} found (posted by an earlier attempt)"
    [entry] = upload_task_entries(run.message.id)
    assert entry.sent_at is not None  # settled: no task of its own


def test_a_rerun_posts_again_when_the_earlier_post_did_not_land(moment, pogo):
    run = voucher_requested_after_a_lost_post(moment, pogo, TransientError("timed out"))

    post(run)

    assert pogo.calls[0] == FIND_VOUCHER and pogo.calls[-2:] == [POST_VOUCHER, PUT_PDF]
    assert history(run)[-3].detail == "the earlier POST did not land"
    assert state_of(run).step == steps.ATTACHMENT_UPLOADED


def test_a_voucher_with_our_number_but_another_reference_is_refused(moment, pogo):
    run = voucher_requested_after_a_lost_post(moment, pogo, TransientError("timed out"))
    pogo.outgoing_invoices.add(
        InvoiceNo=str(run.envelope.data.number), ExternalImportReference=None, VoucherNo=77
    )

    with pytest.raises(ExportRefused, match="already used by voucher 77"):
        post(run)

    assert POST_VOUCHER not in pogo.calls


def test_a_post_refused_as_a_repeat_is_resolved_by_the_look_up(moment, pogo):
    run = run_for(moment, pogo, invoice_data(moment))
    number = str(run.envelope.data.number)
    ours = external_import_reference("acme", "invoice", number)
    earlier = pogo.outgoing_invoices.add(InvoiceNo=number, ExternalImportReference=ours)
    pogo.answer(POST_VOUCHER, AlreadyExists("POST: 409 InvoiceNo in use", http_status=409))

    post(run)

    assert pogo.calls[-3:] == [POST_VOUCHER, FIND_VOUCHER, PUT_PDF]
    assert state_of(run).pogo_id == earlier["Id"]


def test_a_repeat_not_readable_yet_is_looked_up_again_later(moment, pogo):
    run = run_for(moment, pogo, invoice_data(moment))
    pogo.answer(POST_VOUCHER, AlreadyExists("POST: 409", http_status=409))

    with pytest.raises(TransientError, match="cannot be read yet"):
        post(run)

    assert state_of(run).step == steps.VOUCHER_REQUESTED


# --- the rules and fresh look-ups ------------------------------------------------------------


def test_a_refusal_that_rests_on_look_ups_asks_powerofficego_once_more(moment, pogo):
    pogo.accounts.cached = {"7740": ACCOUNTS["7740"]}  # cached before 3000 and 3100 were made
    run = run_for(moment, pogo, invoice_data(moment))

    post(run)

    assert [call for call in pogo.calls if call in LOOK_UPS] == LOOK_UPS
    assert state_of(run).step == steps.ATTACHMENT_UPLOADED


def test_a_refusal_fresh_look_ups_cannot_mend_does_not_ask_again(moment, pogo):
    data = invoice_data(moment, lines=[line("100.00", vat_code=None)], total_incl_vat="125.00")
    run = run_for(moment, pogo, data)

    with pytest.raises(ExportRefused, match="no VAT code"):
        post(run)

    assert pogo.calls == []  # neither fresh look-ups nor a write


def test_a_refusal_that_stays_after_fresh_look_ups_writes_nothing(moment, pogo):
    data = invoice_data(moment, lines=[line("100.00", account="3999")], total_incl_vat="125.00")
    run = run_for(moment, pogo, data)

    with pytest.raises(ExportRefused, match="Account 3999") as refused:
        post(run)

    assert refused.value.rests_on_lookups
    assert pogo.calls == LOOK_UPS


# --- credit notes ----------------------------------------------------------------------------


def credit_note_for(moment, invoice: dict) -> dict:
    return moment.invoice(invoice["customer"], invoice["project"], credit_for=invoice)


def test_a_credit_note_goes_to_the_same_journal_with_negative_amounts(moment, pogo):
    invoice = invoice_data(moment)
    post(run_for(moment, pogo, invoice))
    note = credit_note_for(moment, invoice)

    post(run_for(moment, pogo, note, "credit_note.finalized"))

    _, body = pogo.bodies(POST_VOUCHER)
    assert body["CurrencyAmount"] == Decimal(note["total_incl_vat"]) < 0
    assert all(line["CurrencyAmount"] < 0 for line in body["OutgoingInvoiceLines"])
    assert body["CustomMatchingReference"] == str(invoice["number"])


def test_a_credit_note_waits_while_its_invoice_is_on_its_way(moment, pogo):
    invoice = invoice_data(moment)
    stored(moment.message("invoice.finalized", invoice))  # queued, not transferred yet
    run = run_for(moment, pogo, credit_note_for(moment, invoice), "credit_note.finalized")

    with pytest.raises(WaitingForInvoice):
        post(run)

    assert pogo.calls == []


def test_a_credit_note_is_refused_when_its_invoice_failed(moment, pogo):
    invoice = invoice_data(moment)
    invoice_run = run_for(moment, pogo, invoice)
    states.update_state(state_of(invoice_run).id, status=SyncStatus.FAILED)
    with session_scope() as session:
        session.get_one(Message, invoice_run.message.id).status = MessageStatus.FAILED
    run = run_for(moment, pogo, credit_note_for(moment, invoice), "credit_note.finalized")

    with pytest.raises(ExportRefused, match=f"{invoice['number']}, failed to transfer"):
        post(run)

    assert POST_VOUCHER not in pogo.calls


def test_a_credit_note_for_an_invoice_posted_by_hand_is_taken(moment, pogo):
    invoice = invoice_data(moment)
    pogo.outgoing_invoices.add(InvoiceNo=str(invoice["number"]), IsReversed=False)
    run = run_for(moment, pogo, credit_note_for(moment, invoice), "credit_note.finalized")

    assert post(run) is True

    assert state_of(run).step == steps.ATTACHMENT_UPLOADED


def test_a_credit_note_for_an_unknown_invoice_waits_then_is_refused(moment, pogo, env):
    invoice = invoice_data(moment)
    run = run_for(moment, pogo, credit_note_for(moment, invoice), "credit_note.finalized")

    with pytest.raises(WaitingForInvoice, match="has not arrived yet"):
        post(run)

    env.setenv("SYNC_CREDIT_NOTE_WAIT_SECONDS", "0")  # the time to wait has passed
    reset_settings_cache()
    with pytest.raises(ExportRefused, match="neither transferred from Moment nor found"):
        post(run)
    assert POST_VOUCHER not in pogo.calls


# --- the PDF ---------------------------------------------------------------------------------


def test_the_pdf_upload_is_enqueued_with_the_voucher_in_one_transaction(moment, pogo, monkeypatch):
    run = run_for(moment, pogo, invoice_data(moment))
    post(run)
    [entry] = upload_task_entries(run.message.id)
    assert entry.queue == str(UPLOAD_INVOICE_ATTACHMENT.queue)

    def outbox_down(*_args, **_kwargs):
        raise RuntimeError("outbox insert failed")

    again = run_for(moment, pogo, invoice_data(moment))
    monkeypatch.setattr(invoices.outbox, "add", outbox_down)
    with pytest.raises(RuntimeError):
        post(again)
    assert state_of(again).pogo_id is None  # the voucher id went with the failed outbox entry


def test_the_pdf_is_attached_to_the_posted_voucher_and_the_invoice_is_done(moment, pogo):
    run = run_for(moment, pogo, invoice_data(moment))
    posted_only(run)
    pogo.forget_calls()

    assert upload_attachment(run, state_of(run)) is True  # the PDF's own task

    assert state_of(run).step == steps.ATTACHMENT_UPLOADED
    attachment = run.envelope.data.attachment
    [(voucher_id, filename, pdf)] = pogo.bodies("PUT /VoucherDocumentation")
    assert (voucher_id, filename, pdf) == (
        state_of(run).pogo_id,
        attachment.filename,
        attachment.content,
    )
    assert history(run)[-1].detail == f"{filename} ({len(pdf)} bytes)"


def test_a_pdf_before_its_voucher_is_tried_again_later(moment, pogo):
    run = run_for(moment, pogo, invoice_data(moment))

    with pytest.raises(TransientError, match="no posted voucher yet"):
        upload_attachment(run, state_of(run))

    assert pogo.calls == []


def test_a_rerun_after_the_voucher_only_uploads_the_pdf(moment, pogo):
    run = run_for(moment, pogo, invoice_data(moment))
    posted_only(run)
    pogo.forget_calls()

    assert post(run) is True

    assert pogo.calls == [PUT_PDF]
    assert state_of(run).step == steps.ATTACHMENT_UPLOADED


# --- a voucher finalized again after it was posted ---------------------------------------------


def finalized_again(moment, pogo, data: dict, **changes) -> Transfer:
    """A newer version of an invoice already posted with its PDF."""
    first = run_for(moment, pogo, data)
    assert post(first) is True
    pogo.forget_calls()
    message = moment.message("invoice.finalized", data | changes)
    message["version"] = first.envelope.version + 1
    return transfer_for(stored(message), pogo)


def test_a_newer_version_with_other_amounts_is_refused_and_the_posted_voucher_stays(moment, pogo):
    data = invoice_data(moment)
    newer = finalized_again(
        moment,
        pogo,
        data,
        lines=[line("2000.00")],
        total_excl_vat="2000.00",
        total_vat="500.00",
        total_incl_vat="2500.00",
    )

    with pytest.raises(ChangedAfterPosting) as refused:
        post(newer)

    state = state_of(newer)
    assert str(refused.value) == (
        f"Invoice {state.number} is already posted in PowerOffice Go as version "
        f"{newer.envelope.version - 1} (voucher {state.pogo_id}); version "
        f"{newer.envelope.version} has other content (total 2500.00). PowerOffice Go keeps "
        "the posted voucher: credit it in Moment and issue a new invoice."
    )
    assert pogo.calls == []  # nothing written: the posted voucher is what PowerOffice Go keeps


def test_a_newer_version_with_the_same_content_is_simply_done(moment, pogo):
    data = invoice_data(moment)
    newer = finalized_again(moment, pogo, data)

    assert post(newer) is True
    assert pogo.calls == []


def test_a_newer_version_meeting_a_voucher_that_landed_unanswered_adopts_it_as_the_older(
    moment, pogo
):
    first = voucher_requested_after_a_lost_post(moment, pogo, LOST_ANSWER)
    [landed] = pogo.outgoing_invoices.rows
    data = {
        **first.message.payload["data"],
        "lines": [line("2000.00")],
        "total_excl_vat": "2000.00",
        "total_vat": "500.00",
        "total_incl_vat": "2500.00",
    }
    message = moment.message("invoice.finalized", data)
    message["version"] = first.envelope.version + 1
    newer = transfer_for(stored(message), pogo)

    with pytest.raises(ChangedAfterPosting, match="as version"):
        post(newer)

    state = state_of(newer)
    assert (state.pogo_id, state.transferred_version) == (landed, first.envelope.version)
    assert state.source_message_id == first.message.id
    [older_pdf] = upload_task_entries(first.message.id)  # the older version's PDF …
    assert older_pdf.sent_at is not None  # … sent to its own task, not uploaded by this run
    assert upload_task_entries(newer.message.id) == []
    assert PUT_PDF not in pogo.calls
    assert post(first) is True  # the older one is at home: its PDF goes up, no e-mail
