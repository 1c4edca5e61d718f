"""The importer against real PostgreSQL and the simulator over HTTP."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from config.settings import get_settings
from sync_worker import logging as sync_logging
from sync_worker.db.models import Attempt, OutboxEntry, Tenant
from sync_worker.db.session import session_scope
from sync_worker.errors import AuthenticationFailed
from sync_worker.expenses import runner
from sync_worker.expenses.importer import ImportRunning, import_for_tenant, import_lock
from sync_worker.expenses.selection import SkipReason
from tasks.base import WorkFailed
from tests.expenses.conftest import UNKNOWN_PROJECT, Books, line, new_tenant, pdf, stored_expenses

PDF_NORWEGIAN = pdf("Norwegian faktura 884213")
PDF_SCANDIC = pdf("Scandic faktura EUR 5531")
PDF_REVERSED = pdf("reversert")


def book_scenario(books: Books) -> None:
    """Supplier vouchers of every kind; five expense lines belong in Moment (`EXPECTED`)."""
    yesterday = books.today - dt.timedelta(days=1)
    books.voucher(
        line(7140, "2000.00", "13", "2026-017", "Flybilletter Oslo–Bergen"),
        line(3000, "500.00", None, "2026-017"),  # revenue: not an expense
        line(4000, "100.00", "1", "2026-017"),  # 4000 itself: not above 4000
        line(4001, "1000.00", "1", "2026-018", "Materiell"),
        posted=yesterday,
        voucher_date=yesterday - dt.timedelta(days=5),  # invoice date ≠ posting date
        supplier=20001,
        pdf=PDF_NORWEGIAN,
        pdf_filename="bilag-884213.pdf",
    )
    books.voucher(  # no documentation
        line(6540, "7999.20", "1", "2026-019", "Kontorstol"),
        line(8150, "150.00", None, "2026-017", "Rentekostnad"),
        line(6540, "10.00", "1", None, "Uten prosjekt"),
        supplier=20002,
    )
    books.voucher(line(7140, "300.00", "13", UNKNOWN_PROJECT), supplier=20003, pdf=pdf("x"))
    books.voucher(
        line(6540, "400.00", "1", "2026-017"), supplier=20005, pdf=PDF_REVERSED, is_reversed=True
    )
    books.voucher(  # three days back: outside the window
        line(7140, "999.00", "13", "2026-017"), posted=books.today - dt.timedelta(days=3)
    )
    books.voucher(  # in euros: the amounts come in NOK
        line(7140, "100.00", "13", "2026-018", "Hotell Stockholm"),
        supplier=20004,
        currency_code="EUR",
        exchange_rate="11.5",
        pdf=PDF_SCANDIC,
        pdf_filename="scandic-5531.pdf",
    )


# (project, account, amount incl. VAT, supplier, description, attachments); billable apart.
EXPECTED = {
    ("2026-017", "7140", Decimal("2240.00"), "Norwegian Air Shuttle ASA"): [PDF_NORWEGIAN],
    ("2026-018", "4001", Decimal("1250.00"), "Norwegian Air Shuttle ASA"): [PDF_NORWEGIAN],
    ("2026-019", "6540", Decimal("9999.00"), "Elkjøp Norge AS"): [],
    ("2026-017", "8150", Decimal("150.00"), "Elkjøp Norge AS"): [],
    ("2026-018", "7140", Decimal("1288.00"), "Scandic Hotels AS"): [PDF_SCANDIC],
}


def arrived(tenant_id: int) -> dict:
    return {
        (e.project_number, e.account_code, e.amount_incl_vat, e.supplier_name): [
            a.content for a in e.attachments
        ]
        for e in stored_expenses(tenant_id)
    }


def snapshot(tenant_id: int) -> list[tuple]:
    """Everything stored, to compare runs."""
    return [
        (
            e.id,
            e.source_id,
            e.project_number,
            e.description,
            e.amount_incl_vat,
            e.supplier_name,
            e.invoice_date,
            e.account_code,
            e.billable,
            e.imported_at,
            tuple((a.id, a.filename, a.sha256) for a in e.attachments),
        )
        for e in stored_expenses(tenant_id)
    ]


def test_exactly_the_right_expenses_arrive(books):
    book_scenario(books)

    summary = import_for_tenant(books.tenant_id)

    assert arrived(books.tenant_id) == EXPECTED
    assert (summary.found, summary.new, summary.already_there) == (6, 5, 0)
    assert summary.skipped == {SkipReason.REVERSED: 1}
    assert summary.attachments == 3
    # transactions, incoming invoices, suppliers, and per voucher with new expenses its
    # PDFs, or when it has none its page images (the token is cached since the projects
    # were created): Norwegian and Scandic have a PDF, Elkjøp has no documentation
    assert summary.api_calls == 1 + 1 + 1 + (1 + 2 + 1)


def test_each_expense_carries_its_details(books):
    book_scenario(books)
    import_for_tenant(books.tenant_id)

    by_amount = {e.amount_incl_vat: e for e in stored_expenses(books.tenant_id)}
    flight = by_amount[Decimal("2240.00")]
    assert flight.description == "Flybilletter Oslo–Bergen"
    assert flight.invoice_date == books.today - dt.timedelta(days=6)
    assert flight.currency_code == "NOK"
    assert flight.source_id.startswith(f"pogo:voucher:{flight.voucher_id}:line:")
    (attachment,) = flight.attachments
    assert (attachment.filename, attachment.content_type) == ("bilag-884213.pdf", "application/pdf")
    hotel = by_amount[Decimal("1288.00")]
    assert hotel.attachments[0].filename == "scandic-5531.pdf"


@pytest.mark.parametrize("default", [False, True])
def test_billable_is_the_projects_override_else_the_tenants_default(books, default):
    with session_scope() as session:
        session.get_one(Tenant, books.tenant_id).expenses_billable_default = default
    book_scenario(books)

    import_for_tenant(books.tenant_id)

    billable = {
        (e.project_number, e.account_code): e.billable for e in stored_expenses(books.tenant_id)
    }
    assert billable == {
        ("2026-017", "7140"): default,  # no override
        ("2026-017", "8150"): default,
        ("2026-018", "4001"): True,  # override: billable
        ("2026-018", "7140"): True,
        ("2026-019", "6540"): False,  # override: not billable
    }


def test_the_window_follows_the_norwegian_date_across_midnight_utc_and_dst(books):
    # 23:30 UTC on 28 March 2026 is 00:30 on the 29th in Oslo, the night clocks go forward.
    now = dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC)
    for day, amount in [(26, "26.00"), (27, "27.00"), (28, "28.00"), (29, "29.00"), (30, "30.00")]:
        books.voucher(
            line(7140, amount, None, "2026-017"), posted=dt.date(2026, 3, day), supplier=20003
        )

    summary = import_for_tenant(books.tenant_id, now=now)

    amounts = sorted(e.amount_incl_vat for e in stored_expenses(books.tenant_id))
    assert amounts == [Decimal("27.00"), Decimal("28.00"), Decimal("29.00")]
    assert str(summary.window) == "2026-03-27 to 2026-03-29"


def test_days_overrides_the_look_back(books):
    books.voucher(line(7140, "1.00", None, "2026-017"), posted=books.today - dt.timedelta(days=5))
    assert import_for_tenant(books.tenant_id).new == 0
    assert import_for_tenant(books.tenant_id, lookback_days=5).new == 1


def test_a_second_run_adds_nothing_and_changes_nothing(books):
    book_scenario(books)
    import_for_tenant(books.tenant_id)
    before = snapshot(books.tenant_id)
    # PowerOffice Go changes the lines since: Moment keeps what it has.
    for row in books.transactions():
        row["Description"] = "endret i PowerOffice Go"
        row["Amount"] += 1

    again = import_for_tenant(books.tenant_id)

    assert snapshot(books.tenant_id) == before
    assert (again.new, again.already_there, again.attachments) == (0, 5, 0)
    assert again.api_calls == 1  # the transactions: nothing downloaded twice (token cached)


def test_two_imports_at_once_store_each_expense_once(books):
    book_scenario(books)
    barrier = threading.Barrier(2)
    summaries, errors = [], []

    def run() -> None:
        barrier.wait()
        try:
            summaries.append(import_for_tenant(books.tenant_id))  # no lock: the inserts alone
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    assert arrived(books.tenant_id) == EXPECTED
    assert sum(s.new for s in summaries) == 5
    assert sum(s.new + s.already_there for s in summaries) == 10
    assert sum(len(e.attachments) for e in stored_expenses(books.tenant_id)) == 3


def test_the_lock_keeps_a_second_import_out(books):
    with import_lock(books.tenant_id):
        outcome = runner.run_import(books.tenant_id)
        with pytest.raises(ImportRunning), import_lock(books.tenant_id):  # what the CLI meets
            pass
    assert outcome.action == "skipped"
    assert "another expense import" in outcome.reason


def test_no_known_project_means_no_request(books):
    books.voucher(line(7140, "1.00", None, "2026-017"))
    other = new_tenant("empty", books.client_key, projects={})

    summary = import_for_tenant(other)

    assert (summary.found, summary.api_calls) == (0, 0)


# --- as a job: retry, or fail with an error e-mail --------------------------------------


def test_a_wrong_client_key_fails_at_once_with_an_error_email_queued(books):
    tenant_id = new_tenant("bad", "no-such-client-key")

    with pytest.raises(AuthenticationFailed):
        import_for_tenant(tenant_id)
    outcome = runner.run_import(tenant_id, task_id="t-1")

    assert outcome.action == "failed"
    with session_scope() as session:
        attempt = session.scalars(select(Attempt).where(Attempt.tenant_id == tenant_id)).one()
        entry = session.scalars(select(OutboxEntry)).one()
    assert (attempt.step, attempt.outcome, attempt.entity_state_id) == (
        "expense_import",
        "failed",
        None,
    )
    assert attempt.error_type == "AuthenticationFailed"
    assert "no-such-client-key" not in (attempt.detail or "") + (attempt.pogo_detail or "")
    assert entry.task_name == "tasks.errors.send_error_email"
    assert entry.args == {"attempt_id": attempt.id}


def test_poweroffice_go_down_retries_then_fails(books):
    books.voucher(line(7140, "1.00", None, "2026-017"))
    books.admin.set_faults(error_rate=1.0, error_paths=["/AccountTransactions"])

    retries = get_settings().import_max_retries
    runs = [runner.run_import(books.tenant_id, task_id="t-1") for _ in range(retries + 1)]

    assert all(run.action == "retry" and run.countdown >= 1 for run in runs[:-1])
    assert runs[-1].action == "failed"
    with session_scope() as session:
        outcomes = list(session.scalars(select(Attempt.outcome).order_by(Attempt.id)))
    assert outcomes == ["retry"] * retries + ["failed"]

    books.admin.clear_faults()
    assert runner.run_import(books.tenant_id).action == "done"
    assert len(stored_expenses(books.tenant_id)) == 1


def test_an_imports_log_lines_name_its_tenant(books):
    sync_logging.clear_context()
    runner.run_import(books.tenant_id)
    try:
        with session_scope() as session:
            code = session.get_one(Tenant, books.tenant_id).code
        assert sync_logging.bound_context() == {"tenant": code, "step": runner.STEP}
    finally:
        sync_logging.clear_context()


def test_a_tenant_switched_off_is_not_imported(books):
    with session_scope() as session:
        session.get_one(Tenant, books.tenant_id).expense_import_enabled = False
    books.voucher(line(7140, "1.00", None, "2026-017"))

    assert runner.run_import(books.tenant_id).action == "skipped"
    assert stored_expenses(books.tenant_id) == []


def test_the_task_retries_a_few_times_then_fails_once(books):
    from tasks.expenses import import_expenses

    books.voucher(line(7140, "1.00", None, "2026-017"))
    books.admin.set_faults(error_rate=1.0, error_paths=["/AccountTransactions"])

    result = import_expenses.apply(kwargs={"tenant_id": books.tenant_id})

    with pytest.raises(WorkFailed, match="GET /AccountTransactions: 5"):
        result.get()
    with session_scope() as session:
        outcomes = list(session.scalars(select(Attempt.outcome).order_by(Attempt.id)))
        entries = list(session.scalars(select(OutboxEntry)))
    assert outcomes == ["retry"] * get_settings().import_max_retries + ["failed"]
    assert len(entries) == 1
