"""Every public method of every resource makes only requests the v2 OpenAPI allows.

The methods are found by introspection, so a new one without a case here fails
`test_every_public_resource_method_has_a_case`. Bodies come from the production mapping
functions, so what is checked is what the worker really sends.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import io
import pkgutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import responses

from sync_worker.mapping.customers import customer_create_body, customer_fields
from sync_worker.mapping.invoices import VoucherKind, gross_amounts, voucher_body
from sync_worker.mapping.patches import json_patch
from sync_worker.mapping.projects import project_fields
from sync_worker.poweroffice import PowerOfficeClient, resources
from sync_worker.poweroffice.resources.base import Resource
from tests.poweroffice.conftest import BASE, api_calls
from tests.sandbox.openapi.recorded import recorded_problems
from tests.schemas.examples import PDF_BYTES, entity

VOUCHER_ID = "38ecfc1a-0000-4000-8000-000000000001"
CUSTOMER = {"Id": 5, "Number": 10001, "Name": "Fjordkraft Konsulent AS", "SubledgerAccountId": 77}
PROJECT = {"Id": 6, "Code": "2026-017", "Name": "Nettside for Fjordkraft"}
VOUCHER = {"Id": VOUCHER_ID, "VoucherNo": None, "InvoiceNo": "10234"}


@dataclass(frozen=True)
class Answer:
    method: str
    path: str
    status: int = 200
    json: Any = None
    body: bytes | None = None


@dataclass(frozen=True)
class Case:
    call: Callable[[PowerOfficeClient], Any]
    answers: tuple[Answer, ...]


def _download_zip() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("faktura.pdf", PDF_BYTES)
    return archive.getvalue()


def _customer_body() -> dict:
    return customer_create_body(
        entity("customer.changed"), external_reference="sync:acme:customer:10001"
    )


def _customer_patch() -> list[dict]:
    desired = customer_fields(entity("customer.changed"))
    previous = {**desired, "Name": "Gammelt navn AS", "MailAddress": {"City": "Bergen"}}
    return json_patch(previous, desired)


def _project_fields() -> dict:
    project = entity("project.changed")
    return project_fields(project, customer_id=5, department_id=7, manager_employee_id=9)


def _project_patch() -> list[dict]:
    desired = _project_fields()
    return json_patch({**desired, "Name": "Gammelt navn", "ProjectStatus": "Tentative"}, desired)


def _voucher(message_type: str, kind: VoucherKind) -> dict:
    invoice = entity(message_type)
    codes = sorted({line.vat_code for line in invoice.lines})
    accounts = sorted({line.account_code for line in invoice.lines})
    return voucher_body(
        invoice,
        kind=kind,
        external_reference=f"sync:acme:{kind}:{invoice.number}",
        customer_ledger_id=77,
        project_id=6,
        department_id=7,
        account_ids={code: 100 + index for index, code in enumerate(accounts)},
        vat_ids={code: 200 + index for index, code in enumerate(codes)},
        gross=gross_amounts(invoice, dict.fromkeys(codes, Decimal("0.25"))),
    )


def _transactions(client: PowerOfficeClient) -> list[dict]:
    return client.account_transactions.list(
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 30),
        account_nos="4001-",
        project_codes=["2026-017"],
        voucher_types=["IncomingInvoice", "ManualJournal"],
    )


CASES: dict[str, Case] = {
    "AccountTransactions.list": Case(
        _transactions, (Answer("GET", "/AccountTransactions", json=[{"Id": 1}]),)
    ),
    "Accounts.by_number": Case(
        lambda client: client.accounts.by_number(),
        (Answer("GET", "/GeneralLedgerAccounts", json=[{"Id": 100, "AccountNo": 3000}]),),
    ),
    "Customers.by_numbers": Case(
        lambda client: client.customers.by_numbers([10001, 10002]),
        (Answer("GET", "/Customers", json=[CUSTOMER]),),
    ),
    "Customers.create": Case(
        lambda client: client.customers.create(_customer_body()),
        (Answer("POST", "/Customers", 201, CUSTOMER),),
    ),
    "Customers.find_by_number": Case(
        lambda client: client.customers.find_by_number(10001),
        (Answer("GET", "/Customers", json=[CUSTOMER]),),
    ),
    "Customers.get": Case(
        lambda client: client.customers.get(5), (Answer("GET", "/Customers/5", json=CUSTOMER),)
    ),
    "Customers.patch": Case(
        lambda client: client.customers.patch(5, _customer_patch()),
        (Answer("PATCH", "/Customers/5", json=CUSTOMER),),
    ),
    "Departments.by_code": Case(
        lambda client: client.departments.by_code(),
        (Answer("GET", "/Departments", json=[{"Id": 7, "Code": "20"}]),),
    ),
    "Employees.find_by_email": Case(
        lambda client: client.employees.find_by_email("kari.nordmann@acme.no"),
        (Answer("GET", "/Employees", json=[{"Id": 9, "EmailAddress": "kari.nordmann@acme.no"}]),),
    ),
    "Employees.list": Case(
        lambda client: client.employees.list(), (Answer("GET", "/Employees", json=[{"Id": 9}]),)
    ),
    "IncomingInvoices.by_voucher_nos": Case(
        lambda client: client.incoming_invoices.by_voucher_nos([4001, 4002]),
        (Answer("GET", "/IncomingInvoices", json=[{"VoucherNo": 4001, "SupplierNo": 20001}]),),
    ),
    "IntegrationInformation.get": Case(
        lambda client: client.integration.get(),
        (
            Answer(
                "GET",
                "/ClientIntegrationInformation",
                json={"ValidPrivileges": ["Customer_Full"], "InvalidPrivileges": []},
            ),
        ),
    ),
    "LockDate.get": Case(
        lambda client: client.lock_date.get(),
        (Answer("GET", "/LockDateSettings", json={"LockDate": "2025-12-31"}),),
    ),
    "NumberSeries.customer_numbers": Case(
        lambda client: client.number_series.customer_numbers(),
        (
            Answer(
                "GET",
                "/SubLedgerNumberSeries",
                json=[{"FromInclusive": 10000, "ToInclusive": 19999}],
            ),
        ),
    ),
    "OutgoingInvoiceJournals.create": Case(
        lambda client: [  # invoices and credit notes go to the same journal
            client.outgoing_invoice_journals.create(_voucher("invoice.finalized", "invoice")),
            client.outgoing_invoice_journals.create(
                _voucher("credit_note.finalized", "credit_note")
            ),
        ],
        (Answer("POST", "/Vouchers/OutgoingInvoiceJournals", 201, VOUCHER),),
    ),
    "OutgoingInvoiceJournals.get": Case(
        lambda client: client.outgoing_invoice_journals.get(VOUCHER_ID),
        (Answer("GET", f"/Vouchers/OutgoingInvoiceJournals/{VOUCHER_ID}", json=VOUCHER),),
    ),
    "OutgoingInvoices.find_by_invoice_no": Case(
        lambda client: client.outgoing_invoices.find_by_invoice_no(10234),
        (Answer("GET", "/OutgoingInvoices", json=[{"Id": VOUCHER_ID, "InvoiceNo": 10234}]),),
    ),
    "OutgoingInvoices.list": Case(
        lambda client: client.outgoing_invoices.list(
            fromDate=dt.date(2026, 11, 1), customerNos=[10001]
        ),
        (Answer("GET", "/OutgoingInvoices", json=[{"Id": VOUCHER_ID}]),),
    ),
    "Projects.by_codes": Case(
        lambda client: client.projects.by_codes(["2026-017", "2026-018"]),
        (Answer("GET", "/Projects", json=[PROJECT]),),
    ),
    "Projects.create": Case(
        lambda client: client.projects.create(_project_fields()),
        (Answer("POST", "/Projects", 201, PROJECT),),
    ),
    "Projects.find_by_code": Case(
        lambda client: client.projects.find_by_code("2026-017"),
        (Answer("GET", "/Projects", json=[PROJECT]),),
    ),
    "Projects.get": Case(
        lambda client: client.projects.get(6), (Answer("GET", "/Projects/6", json=PROJECT),)
    ),
    "Projects.list": Case(
        lambda client: client.projects.list(customerNos=10001, status="Active"),
        (Answer("GET", "/Projects", json=[PROJECT]),),
    ),
    "Projects.patch": Case(
        lambda client: client.projects.patch(6, _project_patch()),
        (Answer("PATCH", "/Projects/6", json=PROJECT),),
    ),
    "Suppliers.by_numbers": Case(
        lambda client: client.suppliers.by_numbers([20001, 20002]),
        (Answer("GET", "/Suppliers", json=[{"Id": 3, "Number": 20001}]),),
    ),
    "VatCodes.by_code": Case(
        lambda client: client.vat_codes.by_code(),
        (Answer("GET", "/VatCodes", json=[{"Id": 200, "Code": "3", "IsActive": True}]),),
    ),
    "VoucherDocumentation.download": Case(
        lambda client: client.voucher_documentation.download(VOUCHER_ID),
        (Answer("GET", "/VoucherDocumentation/Download", body=_download_zip()),),
    ),
    "VoucherDocumentation.list": Case(
        lambda client: client.voucher_documentation.list(VOUCHER_ID),
        (Answer("GET", "/VoucherDocumentation", json=[{"HasPdf": True}]),),
    ),
    "VoucherDocumentation.upload": Case(
        lambda client: client.voucher_documentation.upload(VOUCHER_ID, "faktura.pdf", PDF_BYTES),
        (Answer("PUT", "/VoucherDocumentation", 204),),
    ),
}


def _resource_classes() -> list[type[Resource]]:
    """Every public resource class of every module under sync_worker/poweroffice/resources."""
    found: dict[str, type[Resource]] = {}
    for module_info in pkgutil.iter_modules(resources.__path__):
        module = importlib.import_module(f"{resources.__name__}.{module_info.name}")
        for name, member in inspect.getmembers(module, inspect.isclass):
            if issubclass(member, Resource) and member is not Resource and not name.startswith("_"):
                found[name] = member
    return list(found.values())


def _public_methods() -> set[str]:
    return {
        f"{cls.__name__}.{name}"
        for cls in _resource_classes()
        for name, _ in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def test_every_public_resource_method_has_a_case():
    methods = _public_methods()
    assert sorted(methods - CASES.keys()) == [], "add a case for each new method"
    assert sorted(CASES.keys() - methods) == [], "drop the case of each removed method"


def _register(rsps: responses.RequestsMock, answer: Answer) -> None:
    url = BASE + answer.path
    if answer.body is not None:
        rsps.add(answer.method, url, status=answer.status, body=answer.body)
    elif answer.json is None:
        rsps.add(answer.method, url, status=answer.status)
    else:
        rsps.add(answer.method, url, status=answer.status, json=answer.json)


@pytest.mark.parametrize("method", sorted(CASES))
def test_the_request_of_each_method_is_one_the_spec_allows(method, client, rsps, token_endpoint):
    case = CASES[method]
    for answer in case.answers:
        _register(rsps, answer)

    case.call(client)

    sent = [call.request for call in api_calls(rsps)]
    assert sent, f"{method} sent no request"
    assert recorded_problems(sent, BASE) == []
    # The teardown check of `rsps` would say the same; it must not report it twice.
    rsps.calls.reset()
