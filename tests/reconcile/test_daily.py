"""What a reconciliation does with what it finds: fixes what the system may (and the fixes,
run as the worker runs them, leave nothing behind), stores every report, and a daily run
mails the tenant's error address only when a person is needed for something new."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from config.tasks import (
    SEND_ERROR_EMAIL,
    SEND_RECONCILIATION_EMAIL,
    TRANSFER_CUSTOMER,
    TRANSFER_INVOICE,
    UPLOAD_INVOICE_ATTACHMENT,
)
from sync_worker import dispatch, kinds
from sync_worker.db.models import Attempt, OutboxEntry, Reconciliation, SyncStatus, Tenant
from sync_worker.db.session import session_scope
from sync_worker.notifications.reconciliation_emails import send_for_reconciliation
from sync_worker.policy import Action
from sync_worker.reconcile import Problem, latest, reconcile
from sync_worker.reconcile.daily import STEP, reconcile_daily
from sync_worker.reconcile.store import DAILY
from sync_worker.transfers.invoices import upload_attachment
from sync_worker.transfers.runner import run_message
from sync_worker.transfers.state import find_state, update_state
from tests.reconcile.conftest import PERIOD_DAYS, finalize_many

HANDLERS = {
    TRANSFER_CUSTOMER.name: kinds.get(kinds.CUSTOMER).handler,
    TRANSFER_INVOICE.name: kinds.get(kinds.INVOICE).handler,
    UPLOAD_INVOICE_ATTACHMENT.name: upload_attachment,
}


def outbox(task) -> list[OutboxEntry]:
    with session_scope() as session:
        return list(session.scalars(select(OutboxEntry).where(OutboxEntry.task_name == task.name)))


def run_queued_transfers() -> int:
    """Run every queued transfer as the worker would, until none is left; how many ran:
    the tasks in the outbox, then the messages waiting for their turn."""
    ran = 0
    while True:
        with session_scope() as session:
            entry = session.scalar(
                select(OutboxEntry)
                .where(OutboxEntry.task_name.in_(HANDLERS), OutboxEntry.sent_at.is_(None))
                .order_by(OutboxEntry.id)
                .limit(1)
            )
            if entry is not None:
                entry.sent_at = entry.created_at
                task, message_id = entry.task_name, entry.args["message_id"]
            else:
                turns = dispatch.take_turns(session, 1)
                if not turns:
                    return ran
                [turn] = turns
                task, message_id = turn.task_name, turn.message_id
        run_message(message_id, HANDLERS[task])
        ran += 1


def pdf_upload_failed(books, number: str) -> None:
    """The voucher is posted; its PDF upload (the queued task) failed for good."""
    books.transfer(number, with_pdf=False)
    with session_scope() as session:
        state_id = find_state(session, books.setup.tenant_id, kinds.INVOICE, number).id
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.task_name == UPLOAD_INVOICE_ATTACHMENT.name)
            .values(sent_at=OutboxEntry.created_at)
        )
    update_state(state_id, status=SyncStatus.FAILED)


def edit_customer_by_hand(books, number: str) -> str:
    customer = str(books.invoices[number]["customer"]["number"])
    books.client().customers.patch(
        int(books.pogo_id(kinds.CUSTOMER, customer)),
        [{"op": "replace", "path": "/Name", "value": "Keyed in by hand AS"}],
    )
    return customer


def forbid_fixes(books) -> None:
    with session_scope() as session:
        session.get_one(Tenant, books.setup.tenant_id).reconcile_fixes = False


def test_fixes_are_queued_and_once_run_nothing_is_left(books):
    without_pdf, edited, *rest = finalize_many(books, 6, customers=2)
    for number in [edited, *rest]:
        books.transfer(number)
    pdf_upload_failed(books, without_pdf)
    run_queued_transfers()  # what the transfers queued, as the worker takes it
    customer = edit_customer_by_hand(books, edited)

    report = books.reconcile()

    fixed = {(f.problem, f.number): f.fixed for f in report.findings}
    assert set(fixed) == {(Problem.NO_PDF, without_pdf), (Problem.CUSTOMER, customer)}
    assert "Queued the PDF upload again" in fixed[(Problem.NO_PDF, without_pdf)]
    assert (
        f"Queued a transfer of Moment's latest customer {customer}"
        in fixed[(Problem.CUSTOMER, customer)]
    )
    assert report.ok and report.needs_person == ()
    assert "↻ without PDF" in report.text() and "2 fixed" in report.text()

    assert run_queued_transfers() == 2  # the invoice resumes with its PDF, the customer
    again = books.reconcile()

    assert again.findings == (), again.text()
    names = [c["Name"] for c in books.setup.admin.customers(books.setup.client_key)]
    assert "Keyed in by hand AS" not in names


def test_a_tenant_that_forbids_fixes_gets_findings_for_a_person_and_nothing_queued(books):
    [number] = finalize_many(books, 1, customers=1)
    books.transfer(number)
    customer = edit_customer_by_hand(books, number)
    forbid_fixes(books)

    report = books.reconcile()

    [finding] = report.findings
    assert (finding.problem, finding.number, finding.fixed) == (Problem.CUSTOMER, customer, None)
    assert report.needs_person == (finding,) and not report.ok
    assert outbox(TRANSFER_CUSTOMER) == []


def test_every_run_is_stored_and_the_last_is_shown_again(books):
    finalize_many(books, 1, customers=1)

    report = books.reconcile()

    stored = latest(books.setup.code)
    assert stored is not None and stored.finished_at is not None
    assert stored.as_dict() == report.as_dict()
    assert stored.text() == report.text()


def test_a_daily_run_mails_what_needs_a_person_once_and_what_is_new_again(books):
    first, second = finalize_many(books, 2, customers=1)
    for number in (first, second):
        books.transfer(number)
    admin, key = books.setup.admin, books.setup.client_key
    admin.reverse_voucher(key, books.pogo_id(kinds.INVOICE, first))

    books.reconcile()  # asked for: never mailed
    assert outbox(SEND_RECONCILIATION_EMAIL) == []
    daily_run(books)
    daily_run(books)
    assert len(outbox(SEND_RECONCILIATION_EMAIL)) == 1  # the same finding, one e-mail

    admin.reverse_voucher(key, books.pogo_id(kinds.INVOICE, second))
    daily_run(books)
    assert len(outbox(SEND_RECONCILIATION_EMAIL)) == 2


def daily_run(books) -> None:
    today = books.setup.company.today
    reconcile(books.setup.code, today - dt.timedelta(days=PERIOD_DAYS), today, trigger=DAILY)


def test_the_e_mail_lists_what_needs_a_person_with_its_fix_and_is_sent_once(books, mailbox):
    reversed_, edited = finalize_many(books, 2, customers=2)
    for number in (reversed_, edited):
        books.transfer(number)
    books.setup.admin.reverse_voucher(
        books.setup.client_key, books.pogo_id(kinds.INVOICE, reversed_)
    )
    customer = edit_customer_by_hand(books, edited)
    today = books.setup.company.today
    reconcile(books.setup.code, today.replace(day=1), today, trigger=DAILY)
    [entry] = outbox(SEND_RECONCILIATION_EMAIL)

    assert send_for_reconciliation(entry.args["reconciliation_id"]) == "mailed regnskap@acme.no"
    assert send_for_reconciliation(entry.args["reconciliation_id"]) == "already mailed"

    [email] = mailbox.emails
    assert email.subject == (
        "[sync-worker] acme: the reconciliation with PowerOffice Go found 1 thing to look at"
    )
    needs, fixed = email.body.split("Fixed by the integration")
    assert f"missing in PowerOffice Go, {reversed_}:" in needs and "since reversed" in needs
    assert f"customer drifted, {customer}:" in fixed and "Queued a transfer" in fixed
    assert "sync-worker reconcile --tenant acme --last" in email.body


def test_the_daily_run_compares_this_month_and_the_last_and_is_skipped_when_off(books):
    [number] = finalize_many(books, 1, customers=1)
    books.transfer(number)

    decision = reconcile_daily(books.setup.tenant_id)

    assert decision.action is Action.DONE and decision.reason == "✓ nothing found"
    stored = latest(books.setup.code)
    assert stored.trigger == DAILY and stored.date_from.day == 1 and stored.vouchers == 1
    with session_scope() as session:
        session.get_one(Tenant, books.setup.tenant_id).reconcile_daily = False
    assert reconcile_daily(books.setup.tenant_id).action is Action.SKIPPED


def test_a_daily_run_that_cannot_succeed_is_recorded_and_mailed_as_a_failure(books):
    books.setup.admin.set_invalid_privileges(books.setup.client_key, ["OutgoingInvoice"])

    decision = reconcile_daily(books.setup.tenant_id, task_id="reconcile-1")

    assert decision.action is Action.FAILED
    with session_scope() as session:
        [attempt] = session.scalars(select(Attempt).where(Attempt.step == STEP)).all()
        assert attempt.outcome == "failed" and attempt.http_status == 403
        assert session.scalars(select(Reconciliation)).all() == []
    assert len(outbox(SEND_ERROR_EMAIL)) == 1
