"""The simulator's answers are ones PowerOffice Go's v2 OpenAPI describes.

A seeded client is driven over HTTP through every operation the integration uses, and each
answer is checked with `validate_response` against the spec's schema for its status.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import requests

from sandbox.openapi import validate_response
from tests.sandbox.simulator.raw import Api, data

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
ADDRESS = {"AddressLine1": "Storgata 1", "ZipCode": "0155", "City": "Oslo", "CountryCode": "NO"}


class Checked:
    """Every answer of a scenario, with what the spec says is wrong with it."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.problems: dict[str, list[str]] = {}

    def __call__(self, response: requests.Response) -> requests.Response:
        request = response.request
        path = urlsplit(request.url).path.removeprefix(urlsplit(self.api.base_url).path)
        # Only JSON has a schema (the documentation download is a zip).
        is_json = "json" in response.headers.get("Content-Type", "")
        body = data(response) if is_json and response.content.strip() else None
        found = validate_response(request.method, path, response.status_code, body)
        if found:
            self.problems[f"{request.method} {path} → {response.status_code}"] = found
        return response


@pytest.fixture
def checked(api: Api) -> Checked:
    return Checked(api)


def _created(response: requests.Response) -> dict:
    assert response.status_code == 201, response.text
    return data(response)


def test_customer_answers(api, checked):
    body = {"Name": "Fjordkraft AS", "Number": 10001, "MailAddress": ADDRESS}
    customer = _created(checked(api.post("/Customers", body)))
    checked(api.get("/Customers", customerNos="10001"))
    checked(api.get(f"/Customers/{customer['Id']}"))
    checked(api.patch(f"/Customers/{customer['Id']}", [_replace("/Name", "Fjordkraft Konsulent")]))

    assert checked.problems == {}


def test_project_answers(api, checked):
    project = _created(checked(api.post("/Projects", {"Name": "Nettside", "Code": "2026-017"})))
    checked(api.get("/Projects", projectCodes="2026-017"))
    checked(api.get(f"/Projects/{project['Id']}"))
    checked(api.patch(f"/Projects/{project['Id']}", [_replace("/Name", "Nettside 2")]))

    assert checked.problems == {}


def test_reference_data_answers(api, checked):
    for path in ("/Departments", "/Employees", "/GeneralLedgerAccounts", "/VatCodes"):
        checked(api.get(path))
    checked(api.get("/Suppliers"))
    checked(api.get("/LockDateSettings"))
    checked(api.get("/ClientIntegrationInformation"))

    assert checked.problems == {}


def test_invoice_documentation_and_ledger_answers(api, checked):
    customer = _created(api.post("/Customers", {"Name": "Fjordkraft AS", "Number": 10001}))
    voucher = _created(
        checked(api.post("/Vouchers/OutgoingInvoiceJournals", _invoice(api, customer)))
    )
    checked(api.get(f"/Vouchers/OutgoingInvoiceJournals/{voucher['Id']}"))
    checked(api.get("/OutgoingInvoices", invoiceNos="10234"))
    checked(api.get(f"/OutgoingInvoices/{voucher['Id']}"))
    checked(api.upload(voucher["Id"], PDF))
    checked(api.get("/VoucherDocumentation", id=voucher["Id"]))
    checked(api.get("/VoucherDocumentation/Download", id=voucher["Id"], documentationType="Pdf"))
    today = dt.date.today()
    checked(
        api.get(
            "/AccountTransactions",
            fromDate=(today - dt.timedelta(days=400)).isoformat(),
            toDate=today.isoformat(),
        )
    )
    checked(api.get("/IncomingInvoices"))

    assert checked.problems == {}


def _replace(path: str, value: object) -> dict:
    return {"op": "replace", "path": path, "value": value}


def _invoice(api: Api, customer: dict) -> dict:
    """A 25 % line and a 15 % line, gross, summing to the header total."""
    vat_ids = {row["Code"]: row["Id"] for row in data(api.get("/VatCodes"))}
    account_id = next(
        row["Id"] for row in data(api.get("/GeneralLedgerAccounts")) if row["AccountNo"] == 3000
    )
    lines = [
        {"AccountId": account_id, "VatId": vat_ids["3"], "CurrencyAmount": Decimal("1250.00")},
        {"AccountId": account_id, "VatId": vat_ids["31"], "CurrencyAmount": Decimal("115.00")},
    ]
    return {
        "InvoiceNo": "10234",
        "ExternalImportReference": "openapi:invoice:10234",
        "VoucherDate": dt.date.today().isoformat(),
        "DueDate": (dt.date.today() + dt.timedelta(days=14)).isoformat(),
        "CustomerAccountId": customer["SubledgerAccountId"],
        "CurrencyCode": "NOK",
        "CurrencyAmount": sum(line["CurrencyAmount"] for line in lines),
        "OutgoingInvoiceLines": lines,
    }
