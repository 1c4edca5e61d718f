"""Request bodies for the tests, built from what the seeded client holds."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tests.sandbox.simulator.raw import Api, data

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass(frozen=True)
class Ids:
    """Ids the API needs for writes, looked up by number/code as a client would."""

    accounts: dict[int, int]
    vat_codes: dict[str, int]
    departments: dict[str, int]

    @classmethod
    def of(cls, api: Api) -> Ids:
        return cls(
            accounts={
                row["AccountNo"]: row["Id"] for row in data(api.get("/GeneralLedgerAccounts"))
            },
            vat_codes={row["Code"]: row["Id"] for row in data(api.get("/VatCodes"))},
            departments={row["Code"]: row["Id"] for row in data(api.get("/Departments"))},
        )


def create_customer(api: Api, number: int = 10001, **fields: Any) -> dict:
    body = {"Name": f"Kunde {number} AS", "Number": number, **fields}
    response = api.post("/Customers", body)
    assert response.status_code == 201, response.text
    return data(response)


def create_project(api: Api, code: str = "2026-017", **fields: Any) -> dict:
    response = api.post("/Projects", {"Code": code, "Name": f"Prosjekt {code}", **fields})
    assert response.status_code == 201, response.text
    return data(response)


def invoice_body(
    ids: Ids,
    customer: dict,
    invoice_no: str = "10234",
    *,
    gross: str = "12500.00",
    **header: Any,
) -> dict[str, Any]:
    """A one-line invoice on 3000 with 25 % VAT, its line gross (VAT included) and equal to
    the total; a credit note is the same with a negative amount."""
    amount = Decimal(gross)
    body = {
        "InvoiceNo": invoice_no,
        "ExternalImportReference": f"acme:invoice:{invoice_no}",
        "VoucherDate": "2026-11-25",
        "DueDate": "2026-12-09",
        "CustomerAccountId": customer["SubledgerAccountId"],
        "CurrencyCode": "NOK",
        "CurrencyExchangeRate": Decimal("1"),
        "CurrencyAmount": amount,
        "Cid": "0102343",
        "Description": "Konsulentbistand november",
        "OutgoingInvoiceLines": [
            {
                "AccountId": ids.accounts[3000],
                "VatId": ids.vat_codes["3"],
                "CurrencyAmount": amount,
                "Description": "Rådgivning, 10 timer",
                "Quantity": Decimal("10"),
            }
        ],
    }
    body.update(header)
    return body


def post_invoice(api: Api, body: dict) -> dict:
    """Post an invoice or a credit note: both go through the one journal."""
    response = api.post("/Vouchers/OutgoingInvoiceJournals", body)
    assert response.status_code == 201, response.text
    return data(response)
