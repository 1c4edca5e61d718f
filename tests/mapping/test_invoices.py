from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from sync_worker.mapping import voucher_body
from sync_worker.mapping.invoices import gross_amounts
from tests.schemas.examples import entity

RATES = {"3": Decimal("0.25"), "0": Decimal(0)}

LOOKUPS = {
    "customer_ledger_id": 987,
    "project_id": 55,
    "department_id": 7,
    "account_ids": {"3000": 3001},
    "vat_ids": {"3": 31},
}


def invoice_body(invoice=None, **changes):
    invoice = invoice or entity("invoice.finalized")
    arguments = LOOKUPS | {"external_reference": "moment:acme:invoice:10234"} | changes
    return voucher_body(invoice, kind="invoice", gross=gross_amounts(invoice, RATES), **arguments)


def credit_note_body(credit_note, **changes):
    arguments = LOOKUPS | {"external_reference": "r"} | changes
    gross = gross_amounts(credit_note, RATES)
    return voucher_body(credit_note, kind="credit_note", gross=gross, **arguments)


def test_invoice_voucher():
    assert invoice_body() == {
        "InvoiceNo": "10234",
        "ExternalImportReference": "moment:acme:invoice:10234",
        "VoucherDate": "2026-11-25",
        "DueDate": "2026-12-09",
        "CustomerAccountId": 987,
        "CurrencyCode": "NOK",
        "CurrencyExchangeRate": Decimal("1"),
        "CurrencyAmount": Decimal("12500.00"),
        "Cid": "0102343",
        "ProjectId": 55,
        "DepartmentId": 7,
        "Description": "Konsulentbistand november",
        "CustomMatchingReference": "10234",
        "OutgoingInvoiceLines": [
            {
                "AccountId": 3001,
                "VatId": 31,
                "CurrencyAmount": Decimal("12500.00"),  # including VAT
                "Description": "Rådgivning, 10 timer",
                "Quantity": Decimal("10"),
                "ProjectId": 55,
                "DepartmentId": 7,
                "Accrual": {"IsActive": True, "FromDate": "2026-11-01", "ToDate": "2026-11-30"},
            }
        ],
    }


def test_credit_note_voucher_names_and_matches_the_credited_invoice():
    body = credit_note_body(
        entity("credit_note.finalized"), external_reference="moment:acme:credit_note:10240"
    )

    assert body["InvoiceNo"] == "10240"
    assert body["CustomMatchingReference"] == "10234"
    assert body["Description"] == "Kreditnota 10240 for faktura 10234 – Kreditering november"
    assert body["CurrencyAmount"] == Decimal("-12500.00")
    assert body["OutgoingInvoiceLines"][0]["CurrencyAmount"] == Decimal("-12500.00")
    assert "Cid" not in body
    assert "Accrual" not in body["OutgoingInvoiceLines"][0]


def test_credit_note_without_description():
    body = credit_note_body(replace(entity("credit_note.finalized"), description=None))
    assert body["Description"] == "Kreditnota 10240 for faktura 10234"


def test_credit_note_that_names_no_invoice_cannot_be_mapped():
    credit_note = replace(entity("credit_note.finalized"), credited_invoice_number=None)
    with pytest.raises(ValueError, match="check_invoice"):
        credit_note_body(credit_note)


def test_what_the_invoice_does_not_have_is_left_out():
    invoice = replace(entity("invoice.finalized"), kid=None, description=None)
    body = invoice_body(invoice, project_id=None, department_id=None)

    for key in ("Cid", "Description", "ProjectId", "DepartmentId"):
        assert key not in body
    assert set(body["OutgoingInvoiceLines"][0]) == {
        "AccountId",
        "VatId",
        "CurrencyAmount",
        "Description",
        "Quantity",
        "Accrual",
    }


def test_every_line_is_mapped_in_order_with_its_own_ids():
    invoice = entity("invoice.finalized")
    rounding = replace(
        invoice.lines[0],
        description="Øreavrunding",
        account_code="7740",
        vat_code="0",
        quantity=Decimal("1"),
        unit_price=Decimal("-0.40"),
        amount=Decimal("-0.40"),
        accrual=None,
    )
    body = invoice_body(
        replace(invoice, lines=(*invoice.lines, rounding), total_incl_vat=Decimal("12499.60")),
        account_ids={"3000": 3001, "7740": 7741},
        vat_ids={"3": 31, "0": 1},
    )

    lines = body["OutgoingInvoiceLines"]
    assert [(line["AccountId"], line["VatId"]) for line in lines] == [(3001, 31), (7741, 1)]
    assert lines[1]["CurrencyAmount"] == Decimal("-0.40")


def test_lines_are_gross_and_sum_to_the_total():
    invoice = entity("invoice.finalized")
    cheap = replace(invoice.lines[0], amount=Decimal("0.51"), accrual=None)
    odd = replace(invoice, lines=(cheap, cheap, cheap), total_incl_vat=Decimal("1.91"))
    body = invoice_body(odd)

    amounts = [line["CurrencyAmount"] for line in body["OutgoingInvoiceLines"]]
    assert sum(amounts) == body["CurrencyAmount"] == Decimal("1.91")
    assert all(isinstance(amount, Decimal) for amount in amounts)
