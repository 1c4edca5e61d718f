"""Account transactions from supplier vouchers set up through the admin API."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest

from tests.simulator.builders import PDF, create_project
from tests.simulator.raw import data

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


def test_each_expense_line_is_a_transaction_with_net_and_vat(api, flight):
    rows = data(api.get("/AccountTransactions", accountNos="4001-7999", **NOV))

    assert [(row["AccountNo"], row["Amount"], row["VatAmount"]) for row in rows] == [
        (7140, Decimal("2214.29"), Decimal("265.71")),
        (7770, Decimal("49.00"), Decimal("0.00")),
    ]
    first = rows[0]
    assert first["Amount"] + first["VatAmount"] == Decimal("2480.00")
    assert first["VatCode"] == "13"
    assert first["ProjectCode"] == "2026-017"
    assert first["SupplierAccountNo"] == 20001
    assert first["VoucherId"] == flight["Id"]
    assert first["VoucherNo"] == flight["VoucherNo"]
    assert first["VoucherType"] == "IncomingInvoice"
    assert first["VoucherDescription"] == "Flybilletter Oslo–Bergen"
    assert first["PostingDate"] == "2026-11-24"
    assert first["IsReversed"] is False
    assert isinstance(first["Id"], int)


def test_the_voucher_balances_on_input_vat_and_supplier_ledger(api, flight):
    rows = data(api.get("/AccountTransactions", **NOV))

    by_account = {row["AccountNo"]: row["Amount"] for row in rows}
    assert by_account[2710] == Decimal("265.71")
    assert by_account[2400] == Decimal("-2529.00")
    assert sum(by_account.values()) == 0


def test_transaction_ids_are_stable(api, flight):
    first = [row["Id"] for row in data(api.get("/AccountTransactions", **NOV))]

    assert [row["Id"] for row in data(api.get("/AccountTransactions", **NOV))] == first


def test_dates_are_required(api, flight):
    response = api.get("/AccountTransactions", fromDate="2026-11-01")

    assert response.status_code == 400
    assert "toDate is required" in response.json()["detail"]


def test_posting_date_range_is_inclusive(api, flight):
    assert api.get("/AccountTransactions", fromDate="2026-11-24", toDate="2026-11-24").ok
    assert (
        api.get("/AccountTransactions", fromDate="2026-11-25", toDate="2026-11-30").status_code
        == 204
    )


def test_filters_by_project_and_voucher_type(api, flight):
    on_project = data(api.get("/AccountTransactions", projectCodes="2026-017", **NOV))
    without_project = data(api.get("/AccountTransactions", projectCodes="-1", **NOV))

    assert [row["AccountNo"] for row in on_project] == [7140]
    assert sorted(row["AccountNo"] for row in without_project) == [2400, 2710, 7770]
    assert api.get("/AccountTransactions", voucherTypes="OutgoingInvoice", **NOV).status_code == 204
    assert len(data(api.get("/AccountTransactions", voucherTypes="IncomingInvoice", **NOV))) == 4


def test_foreign_currency_is_converted_to_nok(api, admin):
    admin.add_supplier_voucher(
        api.client_key,
        supplier_no=20004,
        voucher_date="2026-11-20",
        currency_code="EUR",
        exchange_rate="11.62",
        lines=[{"account_no": 7140, "net_amount": "100.00", "vat_code": "13"}],
    )

    row = data(api.get("/AccountTransactions", accountNos="7140", **NOV))[0]

    assert row["CurrencyCode"] == "EUR"
    assert row["CurrencyAmount"] == Decimal("100.00")
    assert row["Amount"] == Decimal("1162.00")
    assert row["VatAmount"] == Decimal("139.44")


def test_reversed_voucher_marks_its_transactions(api, admin, flight):
    admin.reverse_voucher(api.client_key, flight["Id"])

    rows = data(api.get("/AccountTransactions", **NOV))

    assert {row["IsReversed"] for row in rows} == {True}


def test_voucher_seeded_as_reversed(api, admin):
    admin.add_supplier_voucher(
        api.client_key,
        supplier_no=20003,
        voucher_date="2026-11-02",
        is_reversed=True,
        lines=[{"account_no": 6900, "net_amount": "399.20", "vat_code": "1"}],
    )

    assert all(row["IsReversed"] for row in data(api.get("/AccountTransactions", **NOV)))


def test_supplier_and_pdf_of_an_expense_can_be_fetched(api, flight):
    row = data(api.get("/AccountTransactions", accountNos="7140", **NOV))[0]

    supplier = data(api.get("/Suppliers", supplierNos=str(row["SupplierAccountNo"])))[0]
    download = api.get(
        "/VoucherDocumentation/Download", id=row["VoucherId"], documentationType="Pdf"
    )

    assert supplier["Name"] == "Norwegian Air Shuttle ASA"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert [archive.read(name) for name in archive.namelist()] == [PDF]
