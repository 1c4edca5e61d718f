"""The ledger of vouchers a person booked (admin API): supplier invoices, journals and
reversals, as `GET /AccountTransactions` and `GET /IncomingInvoices` show them."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest

from sandbox.openapi.validator import validate_response
from sandbox.simulator import SimulatorAdminError
from tests.sandbox.simulator.builders import PDF, create_project
from tests.sandbox.simulator.raw import data

NOV = {"fromDate": "2026-11-01", "toDate": "2026-11-30"}


@pytest.fixture
def flight(api, admin) -> dict:
    """Norwegian Air Shuttle: a flight (12 % VAT) on project 2026-017 and a fee (no VAT)."""
    create_project(api, "2026-017")
    return admin.add_supplier_voucher(
        api.client_key,
        supplier_no=20001,
        voucher_date="2026-11-24",
        posting_date="2026-11-24",
        description="Flybilletter Oslo–Bergen",
        invoice_no="NAS-884213",
        pdf=PDF,
        lines=[
            {
                "account_no": 7140,
                "net_amount": "2214.29",
                "vat_code": "13",
                "project_code": "2026-017",
                "description": "Flybilletter Oslo–Bergen",
            },
            {"account_no": 7770, "net_amount": "49.00", "description": "Bestillingsgebyr"},
        ],
    )


def _rows(api, **params) -> list[dict]:
    response = api.get("/AccountTransactions", **NOV, **params)
    return [] if response.status_code == 204 else data(response)


def _of(rows: list[dict], voucher_id: str) -> list[dict]:
    return [row for row in rows if row["VoucherId"] == voucher_id]


def test_cost_lines_carry_net_vat_and_project_but_no_supplier(api, flight):
    rows = _rows(api, accountNos="4001-7999")

    assert [(row["AccountNo"], row["Amount"], row["VatAmount"]) for row in rows] == [
        (7140, Decimal("2214.29"), Decimal("265.71")),
        (7770, Decimal("49.00"), Decimal("0.00")),
    ]
    first = rows[0]
    assert first["Amount"] + first["VatAmount"] == Decimal("2480.00")
    assert (first["VatCode"], first["ProjectCode"]) == ("13", "2026-017")
    assert all(row["SupplierAccountNo"] is None for row in rows)
    assert first["VoucherId"] == flight["Id"]
    assert first["VoucherNo"] == flight["VoucherNo"]
    assert first["VoucherType"] == "IncomingInvoice"
    assert first["VoucherDescription"] == "Flybilletter Oslo–Bergen"
    assert first["PostingDate"] == "2026-11-24"
    assert first["IsReversed"] is False
    assert isinstance(first["Id"], int)


def test_one_supplier_ledger_line_names_the_supplier_and_has_no_project(api, flight):
    rows = _rows(api)

    by_account = {row["AccountNo"]: row for row in rows}
    assert by_account[2710]["Amount"] == Decimal("265.71")
    [supplier_line] = [row for row in rows if row["SupplierAccountNo"] is not None]
    assert supplier_line["AccountNo"] == 2400
    assert supplier_line["SupplierAccountNo"] == 20001
    assert supplier_line["ProjectCode"] is None
    assert supplier_line["Amount"] == Decimal("-2529.00")
    assert sum(row["Amount"] for row in rows) == 0


def test_transaction_ids_are_stable(api, flight):
    first = [row["Id"] for row in _rows(api)]

    assert [row["Id"] for row in _rows(api)] == first


def test_dates_are_required(api, flight):
    response = api.get("/AccountTransactions", fromDate="2026-11-01")

    assert response.status_code == 400
    assert "toDate" in response.json()["detail"]


def test_posting_date_range_is_inclusive(api, flight):
    assert api.get("/AccountTransactions", fromDate="2026-11-24", toDate="2026-11-24").ok
    assert (
        api.get("/AccountTransactions", fromDate="2026-11-25", toDate="2026-11-30").status_code
        == 204
    )


def test_the_project_filter_leaves_the_supplier_line_out(api, flight):
    on_project = _rows(api, projectCodes="2026-017")
    without_project = _rows(api, projectCodes="-1")

    assert [row["AccountNo"] for row in on_project] == [7140]
    assert sorted(row["AccountNo"] for row in without_project) == [2400, 2710, 7770]
    assert _rows(api, voucherTypes="OutgoingInvoice") == []
    assert len(_rows(api, voucherTypes="IncomingInvoice,ManualJournal")) == 4


def test_foreign_currency_is_converted_to_nok(api, admin):
    admin.add_supplier_voucher(
        api.client_key,
        supplier_no=20004,
        voucher_date="2026-11-20",
        currency_code="EUR",
        exchange_rate="11.62",
        lines=[{"account_no": 7140, "net_amount": "100.00", "vat_code": "13"}],
    )

    row = _rows(api, accountNos="7140")[0]

    assert row["CurrencyCode"] == "EUR"
    assert row["CurrencyAmount"] == Decimal("100.00")
    assert row["Amount"] == Decimal("1162.00")
    assert row["VatAmount"] == Decimal("139.44")


def test_a_reversal_marks_the_original_and_posts_the_opposite(api, admin, flight):
    reversal = admin.reverse_voucher(api.client_key, flight["Id"])

    rows = _rows(api)
    original, opposite = _of(rows, flight["Id"]), _of(rows, reversal["Id"])
    assert {row["IsReversed"] for row in original} == {True}
    assert reversal["VoucherType"] == "ReversalVoucher"
    assert reversal["ReversedVoucherId"] == flight["Id"]
    assert {row["VoucherType"] for row in opposite} == {"ReversalVoucher"}
    assert {row["IsReversed"] for row in opposite} == {False}
    assert [
        (r["AccountNo"], r["ProjectCode"], -r["Amount"], -r["VatAmount"]) for r in opposite
    ] == [(r["AccountNo"], r["ProjectCode"], r["Amount"], r["VatAmount"]) for r in original]
    with pytest.raises(SimulatorAdminError, match="already reversed"):
        admin.reverse_voucher(api.client_key, flight["Id"])


def test_a_voucher_booked_as_reversed_has_its_reversal(api, admin):
    admin.add_supplier_voucher(
        api.client_key,
        supplier_no=20003,
        voucher_date="2026-11-02",
        is_reversed=True,
        lines=[{"account_no": 6900, "net_amount": "399.20", "vat_code": "1"}],
    )

    rows = _rows(api)

    assert {(row["VoucherType"], row["IsReversed"]) for row in rows} == {
        ("IncomingInvoice", True),
        ("ReversalVoucher", False),
    }
    assert sum(row["Amount"] for row in rows) == 0


def test_a_manual_journal_has_project_lines_and_no_supplier(api, admin):
    create_project(api, "2026-017")
    journal = admin.add_journal(
        api.client_key,
        voucher_type="ManualJournal",
        voucher_date="2026-11-12",
        description="Omfordeling av kontorrekvisita",
        lines=[
            {
                "account_no": 6800,
                "net_amount": "800.00",
                "vat_code": "1",
                "project_code": "2026-017",
            },
            {"account_no": 1920, "net_amount": "-1000.00"},
        ],
    )

    rows = _of(_rows(api), journal["Id"])

    assert [(row["AccountNo"], row["Amount"], row["VatAmount"]) for row in rows] == [
        (6800, Decimal("800.00"), Decimal("200.00")),
        (1920, Decimal("-1000.00"), Decimal("0.00")),
        (2710, Decimal("200.00"), Decimal("0.00")),
    ]
    assert rows[0]["ProjectCode"] == "2026-017"
    assert {row["VoucherType"] for row in rows} == {"ManualJournal"}
    assert {row["SupplierAccountNo"] for row in rows} == {None}


def test_payroll_and_employee_expenses_are_journals_too(api, admin):
    create_project(api, "2026-017")
    payroll = admin.add_journal(
        api.client_key,
        voucher_type="PayrollJournal",
        voucher_date="2026-11-25",
        lines=[
            {"account_no": 5000, "net_amount": "42000.00", "project_code": "2026-017"},
            {"account_no": 1920, "net_amount": "-42000.00"},
        ],
    )
    expense = admin.add_journal(
        api.client_key,
        voucher_type="Expense",
        voucher_date="2026-11-25",
        lines=[
            {"account_no": 7140, "net_amount": "100.00", "vat_code": "13"},
            {"account_no": 1920, "net_amount": "-112.00"},
        ],
    )

    assert {row["VoucherType"] for row in payroll["Transactions"]} == {"PayrollJournal"}
    assert payroll["Transactions"][0]["ProjectCode"] == "2026-017"
    assert {row["VoucherType"] for row in expense["Transactions"]} == {"Expense"}


def test_a_journal_must_balance_and_be_of_a_journal_type(api, admin):
    lines = [{"account_no": 6800, "net_amount": "800.00", "vat_code": "1"}]
    with pytest.raises(SimulatorAdminError, match=r"does not balance.*1000\.00"):
        admin.add_journal(
            api.client_key, voucher_type="ManualJournal", voucher_date="2026-11-12", lines=lines
        )
    with pytest.raises(SimulatorAdminError, match="journal type"):
        admin.add_journal(
            api.client_key, voucher_type="OutgoingInvoice", voucher_date="2026-11-12", lines=lines
        )
    assert admin.vouchers(api.client_key) == []


def test_incoming_invoices_name_the_supplier_of_each_supplier_voucher(api, admin, flight):
    other = admin.add_supplier_voucher(
        api.client_key,
        supplier_no=20002,
        voucher_date="2026-10-30",
        due_date="2026-11-29",
        invoice_no="EL-1",
        lines=[{"account_no": 6540, "net_amount": "3999.20", "vat_code": "1"}],
    )
    admin.add_journal(  # not an incoming invoice
        api.client_key,
        voucher_type="ManualJournal",
        voucher_date="2026-11-12",
        lines=[{"account_no": 6800, "net_amount": "1"}, {"account_no": 1920, "net_amount": "-1"}],
    )

    rows = data(api.get("/IncomingInvoices"))
    by_number = data(
        api.get("/IncomingInvoices", voucherNos=f"{flight['VoucherNo']},{other['VoucherNo']}")
    )

    assert [(row["Id"], row["SupplierNo"]) for row in rows] == [
        (flight["Id"], 20001),
        (other["Id"], 20002),
    ]
    assert by_number == rows
    assert rows[0]["TotalAmount"] == Decimal("2529.00")
    assert rows[0]["NetAmount"] == Decimal("2263.29")
    assert rows[0]["InvoiceNo"] == "NAS-884213"
    assert rows[1]["DueDate"] == "2026-11-29"
    assert data(api.get("/IncomingInvoices", supplierNos="20002")) == rows[1:]
    assert data(api.get("/IncomingInvoices", **NOV)) == rows[:1]
    assert api.get("/IncomingInvoices", voucherTypes="IncomingCreditNote").status_code == 204


def test_answers_are_what_the_spec_allows(api, admin, flight):
    admin.reverse_voucher(api.client_key, flight["Id"])
    admin.add_journal(
        api.client_key,
        voucher_type="BankJournal",
        voucher_date="2026-11-26",
        lines=[
            {"account_no": 2400, "net_amount": "2529.00", "supplier_no": 20001},
            {"account_no": 1920, "net_amount": "-2529.00"},
        ],
    )

    for path, params in [
        ("/AccountTransactions", NOV),
        ("/IncomingInvoices", {}),
        ("/Suppliers", {"supplierNos": "20001"}),
        ("/VoucherDocumentation", {"id": flight["Id"]}),
    ]:
        response = api.get(path, **params)
        assert response.status_code == 200, path
        assert validate_response("GET", path, 200, data(response)) == [], path


def test_the_supplier_and_the_pdf_can_be_fetched(api, flight):
    [row] = [row for row in _rows(api) if row["SupplierAccountNo"] is not None]

    supplier = data(api.get("/Suppliers", supplierNos=str(row["SupplierAccountNo"])))[0]
    download = api.get(
        "/VoucherDocumentation/Download", id=row["VoucherId"], documentationType="Pdf"
    )

    assert supplier["Name"] == "Norwegian Air Shuttle ASA"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert [archive.read(name) for name in archive.namelist()] == [PDF]
