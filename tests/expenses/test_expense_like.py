"""Only expense-like vouchers become expenses, each with its supplier and an attachment.

The issue's "done when": an import over supplier invoices (with a PDF, image-only,
EHF-like), a manual journal, a payroll voucher, this integration's own posted invoice and
credit note, and a reversed voucher imports exactly the expense-like ones, each with its
supplier's name where it has a supplier and an attachment, and none of our own lines.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from PIL import PdfParser

from sandbox.simulator.books import page_image
from sync_worker.db.models import Tenant
from sync_worker.db.session import session_scope
from sync_worker.expenses.importer import import_for_tenant
from sync_worker.expenses.selection import SkipReason
from sync_worker.poweroffice import PowerOfficeClient
from tests.expenses.conftest import Books, line, pdf, stored_expenses

PDF_NORWEGIAN = pdf("Norwegian faktura 884213")
SCANNED = [page_image(n) for n in range(3)]
EHF_PAGES = [page_image(n) for n in range(10, 12)]
JOURNAL_PAGE = [page_image(20)]


def page_widths(document: bytes) -> list[float]:
    """The pages' widths; `page_image(n)` is 40 + n pixels wide at 72 dpi (1 px = 1 pt)."""
    parser = PdfParser.PdfParser(buf=document)
    return [parser.read_indirect(ref)[b"MediaBox"][2] for ref in parser.pages]


def post_own_invoices(books: Books) -> None:
    """An invoice and its credit note, posted as the transfer posts them: gross lines with
    their VAT code summing to the total, the rounding on 7740 with the project."""
    client = PowerOfficeClient(books.client_key)
    customer = client.customers.create({"Name": "Kunde AS", "Number": 10001})
    accounts = client.accounts.by_number()
    vat_ids = {code: row["Id"] for code, row in client.vat_codes.by_code().items()}
    project_id = client.projects.find_by_code("2026-017")["Id"]
    for invoice_no, sign, reference in [("10234", 1, None), ("10235", -1, "10234")]:
        lines = [
            (accounts["3000"]["Id"], vat_ids["3"], Decimal("9999.60"), "Rådgivning"),
            (accounts["7740"]["Id"], None, Decimal("0.40"), "Øreavrunding"),
        ]
        client.outgoing_invoice_journals.create(
            {
                "InvoiceNo": invoice_no,
                "ExternalImportReference": f"moment:acme:invoice:{invoice_no}",
                "VoucherDate": books.today.isoformat(),
                "CustomerAccountId": customer["SubledgerAccountId"],
                "CurrencyCode": "NOK",
                "CurrencyAmount": sign * Decimal("10000.00"),
                "ProjectId": project_id,
                "CustomMatchingReference": reference or invoice_no,
                "OutgoingInvoiceLines": [
                    {
                        "AccountId": account_id,
                        "VatId": vat_id,
                        "CurrencyAmount": sign * gross,
                        "Description": text,
                        "ProjectId": project_id,
                    }
                    for account_id, vat_id, gross, text in lines
                ],
            }
        )


def book_every_kind(books: Books) -> None:
    books.voucher(
        line(7140, "2000.00", "13", "2026-017", "Flybilletter"),
        supplier=20001,
        pdf=PDF_NORWEGIAN,
        pdf_filename="bilag-884213.pdf",
    )
    books.voucher(
        line(6540, "3999.20", "1", "2026-018", "Skjerm"), supplier=20002, page_images=SCANNED
    )
    books.voucher(
        line(6900, "399.20", "1", "2026-017", "Mobilabonnement"),
        supplier=20003,
        page_images=EHF_PAGES,
        ehf=True,
    )
    books.journal(
        "ManualJournal",
        line(6800, "800.00", "1", "2026-019", "Kontorrekvisita, kvittering"),
        line(1920, "-1000.00", None, None, "Bank"),
        page_images=JOURNAL_PAGE,
    )
    books.journal(
        "PayrollJournal",
        line(5000, "42000.00", None, "2026-017", "Lønn november"),
        line(1920, "-42000.00", None, None, "Bank"),
        pdf=pdf("lønnsslipp"),
    )
    post_own_invoices(books)
    reversed_voucher = books.voucher(
        line(7140, "1500.00", "13", "2026-017", "Hotell, feilført"), supplier=20004, pdf=pdf("h")
    )
    books.admin.reverse_voucher(books.client_key, reversed_voucher["Id"])


def test_exactly_the_expense_like_vouchers_arrive_with_supplier_and_attachment(books):
    book_every_kind(books)

    summary = import_for_tenant(books.tenant_id)

    stored = stored_expenses(books.tenant_id)
    assert sorted(
        (e.account_code, e.project_number, e.amount_incl_vat, e.supplier_name) for e in stored
    ) == [
        ("6540", "2026-018", Decimal("4999.00"), "Elkjøp Norge AS"),
        ("6800", "2026-019", Decimal("1000.00"), ""),  # a journal has no supplier
        ("6900", "2026-017", Decimal("499.00"), "Telenor Norge AS"),
        ("7140", "2026-017", Decimal("2240.00"), "Norwegian Air Shuttle ASA"),
    ]
    expenses = {e.account_code: e for e in stored}
    assert all(len(e.attachments) == 1 for e in expenses.values())
    assert all(
        a.content_type == "application/pdf" for e in expenses.values() for a in e.attachments
    )
    assert expenses["7140"].attachments[0].content == PDF_NORWEGIAN
    assert page_widths(expenses["6540"].attachments[0].content) == [40, 41, 42]
    assert page_widths(expenses["6900"].attachments[0].content) == [50, 51]
    assert page_widths(expenses["6800"].attachments[0].content) == [60]
    # Only the original of the reversed voucher reaches us; its reversal, the payroll and
    # our own vouchers are not even asked for.
    assert summary.skipped == {SkipReason.REVERSED: 1}
    # transactions, incoming invoices, suppliers; a PDF download for each new voucher, and
    # the images for the three without a PDF
    assert summary.api_calls == 3 + 4 + 3


def test_our_own_lines_would_be_found_without_the_voucher_types(books):
    """The guard is needed: our invoices' lines above 4000 carry a project."""
    post_own_invoices(books)

    rows = PowerOfficeClient(books.client_key).account_transactions.list(
        books.today, books.today, account_nos="4001-", project_codes=["2026-017"]
    )

    assert {(row["AccountNo"], row["VoucherType"]) for row in rows} == {
        (7740, "OutgoingInvoice"),
        (7740, "OutgoingCreditNote"),
    }
    assert import_for_tenant(books.tenant_id).new == 0


def test_a_tenant_can_narrow_the_voucher_types(books):
    book_every_kind(books)
    with session_scope() as session:
        session.get_one(Tenant, books.tenant_id).expense_voucher_types = "IncomingInvoice"

    import_for_tenant(books.tenant_id)

    assert sorted(e.account_code for e in stored_expenses(books.tenant_id)) == [
        "6540",
        "6900",
        "7140",
    ]


def test_without_a_new_supplier_invoice_no_supplier_is_looked_up(books):
    books.journal(
        "BankJournal",
        line(7770, "49.00", None, "2026-017", "Kortgebyr"),
        line(1920, "-49.00", None, None, "Bank"),
    )

    summary = import_for_tenant(books.tenant_id)

    [expense] = stored_expenses(books.tenant_id)
    assert (expense.supplier_name, expense.attachments) == ("", [])
    assert summary.api_calls == 1 + 2  # transactions; no PDF, no images


@pytest.mark.parametrize("voucher_type", ["Expense", "TravelExpense", "CashJournal"])
def test_employees_expenses_and_cash_journals_are_expenses(books, voucher_type):
    books.journal(
        voucher_type,
        line(7140, "100.00", "13", "2026-017", "Taxi"),
        line(1920, "-112.00", None, None, "Bank"),
        pdf=pdf(voucher_type),
    )

    import_for_tenant(books.tenant_id)

    [expense] = stored_expenses(books.tenant_id)
    assert (expense.amount_incl_vat, len(expense.attachments)) == (Decimal("112.00"), 1)
