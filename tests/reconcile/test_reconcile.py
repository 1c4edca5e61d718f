"""The reconciliation against the simulator over HTTP: nothing on books that agree, exactly
the seeded differences otherwise, each with its fix, within the call budget."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sync_worker import kinds
from sync_worker.reconcile import Problem
from tests.reconcile.conftest import finalize_many

INVOICES = 20
# For 20 invoices: the token (unless the transfers cached it), the invoices of the period,
# the one voucher whose PDF upload is not recorded, and the customers, 100 a call.
CALL_BUDGET = 4


def test_books_that_agree_have_no_findings_within_the_call_budget(books):
    for number in finalize_many(books, INVOICES):
        books.transfer(number)

    report = books.reconcile()

    assert report.findings == ()
    assert report.ok and report.vouchers == INVOICES and report.customers == 4
    assert report.calls <= 3  # the token, the invoices of the period, their customers


def test_a_seeded_run_finds_exactly_the_differences_made_in_poweroffice_go(books):
    missing, duplicated, changed, without_pdf, *rest = finalize_many(books, INVOICES)
    for number in [duplicated, changed, *rest]:
        books.transfer(number)
    books.transfer(without_pdf, with_pdf=False)
    admin, key = books.setup.admin, books.setup.client_key
    admin.key_in_copy(key, books.pogo_id(kinds.INVOICE, duplicated))
    changed_voucher = books.pogo_id(kinds.INVOICE, changed)
    admin.reverse_voucher(key, changed_voucher)
    moment_total = Decimal(books.invoices[changed]["total_incl_vat"])
    admin.key_in_copy(key, changed_voucher, total=moment_total + 100)
    customer = str(books.invoices[rest[0]]["customer"]["number"])
    books.client().customers.patch(
        int(books.pogo_id(kinds.CUSTOMER, customer)),
        [{"op": "replace", "path": "/Name", "value": "Keyed in by hand AS"}],
    )

    report = books.reconcile()

    assert {(f.problem, f.number) for f in report.findings} == {
        (Problem.MISSING, missing),
        (Problem.DUPLICATE, duplicated),
        (Problem.TOTAL, changed),
        (Problem.NO_PDF, without_pdf),
        (Problem.CUSTOMER, customer),
    }
    assert len(report.findings) == 5
    assert [f.problem for f in report.findings][-1] is Problem.CUSTOMER  # invoices first
    by_problem = {f.problem: f for f in report.findings}
    assert "not finished (not started)" in by_problem[Problem.MISSING].what
    assert "not posted by this integration" in by_problem[Problem.DUPLICATE].what
    assert f"Moment finalized {moment_total}" in by_problem[Problem.TOTAL].what
    assert "sync-worker retry" in by_problem[Problem.NO_PDF].fix
    assert "Name is 'Keyed in by hand AS'" in by_problem[Problem.CUSTOMER].what
    assert f"sync-worker transfer customer {customer}" in by_problem[Problem.CUSTOMER].fix
    assert report.calls <= CALL_BUDGET
    assert report.as_dict()["poweroffice_calls"] == report.calls


def test_an_invoice_outside_the_period_is_not_compared(books):
    [number] = finalize_many(books, 1, customers=1)
    books.transfer(number)
    a_year_ago = books.setup.company.today - dt.timedelta(days=365)

    report = books.reconcile(a_year_ago, a_year_ago + dt.timedelta(days=30))

    assert report.vouchers == 0 and report.findings == ()
